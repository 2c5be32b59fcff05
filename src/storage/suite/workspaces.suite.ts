import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import type { Store } from '../store.js';
import { NOW, rootKeyRow, type StoreSuite } from './fixtures.js';

export function workspaceCases(suite: StoreSuite): void {
  describe('workspaces', () => {
    const { withOwnStore, newWorkspace } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('claimFirstStart succeeds exactly once per store, even when raced, and rolls back with its transaction', async () => {
      await withOwnStore(async (own) => {
        await expect(
          own.transaction(async (tx) => {
            expect(await tx.claimFirstStart(NOW)).toBe(true);
            throw new Error('bootstrap failed');
          }),
        ).rejects.toThrow('bootstrap failed');
        const claims = await Promise.all(Array.from({ length: 10 }, () => own.claimFirstStart(NOW)));
        expect(claims.filter(Boolean)).toHaveLength(1);
        expect(await own.claimFirstStart(NOW + 1)).toBe(false);
      });
    });

    it("sets and clears a workspace's API rate limit, read with its root keys; an unknown workspace is refused", async () => {
      const workspaceId = await newWorkspace();
      const other = await newWorkspace();
      const key = rootKeyRow(workspaceId);
      const otherKey = rootKeyRow(other);
      await store.insertRootKey(key);
      await store.insertRootKey(otherKey);

      expect(await store.setWorkspaceApiRateLimit(workspaceId, 120)).toBe(true);
      expect((await store.findRootKeyByHash(key.hash))?.workspaceApiRateLimit).toBe(120);
      expect((await store.findRootKeyByHash(otherKey.hash))?.workspaceApiRateLimit).toBeNull();
      expect(await store.setWorkspaceApiRateLimit(workspaceId, 0)).toBe(true);
      expect((await store.findRootKeyByHash(key.hash))?.workspaceApiRateLimit).toBe(0);
      expect(await store.setWorkspaceApiRateLimit(workspaceId, null)).toBe(true);
      expect((await store.findRootKeyByHash(key.hash))?.workspaceApiRateLimit).toBeNull();
      expect(await store.setWorkspaceApiRateLimit(newId('workspace', NOW), 5)).toBe(false);
      // Rolled back with its transaction, like every mutation.
      await expect(
        store.transaction(async (tx) => {
          await tx.setWorkspaceApiRateLimit(workspaceId, 7);
          throw new Error('abandoned');
        }),
      ).rejects.toThrow('abandoned');
      expect((await store.findRootKeyByHash(key.hash))?.workspaceApiRateLimit).toBeNull();
    });

    it('lists live workspaces oldest first, with their own rate limit and live root keys counted (keyward workspaces list)', async () => {
      await withOwnStore(async (own) => {
        expect(await own.listWorkspaces()).toEqual([]);
        const older = await newWorkspace(own);
        const newer = newId('workspace', NOW + 1);
        await own.insertWorkspace({ id: newer, name: 'second', enabled: false, createdAt: NOW + 1 });
        const kept = rootKeyRow(older);
        const deleted = rootKeyRow(older);
        await own.insertRootKey(kept);
        await own.insertRootKey(deleted);
        await own.insertRootKey(rootKeyRow(newer));
        expect(await own.softDeleteRootKey(older, deleted.id, NOW)).toBe(true);
        expect(await own.setWorkspaceApiRateLimit(newer, 30)).toBe(true);
        expect(await own.listWorkspaces()).toEqual([
          { id: older, name: 'conformance', enabled: true, createdAt: NOW, apiRateLimit: null, rootKeys: 1 },
          { id: newer, name: 'second', enabled: false, createdAt: NOW + 1, apiRateLimit: 30, rootKeys: 1 },
        ]);
      });
    });
  });
}
