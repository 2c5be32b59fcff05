import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import { generateKey } from '../../core/key-format.js';
import type { Store } from '../store.js';
import { NOW, DAY, type StoreSuite } from './fixtures.js';

export function rootKeyCases(suite: StoreSuite): void {
  describe('bootstrap and root keys', () => {
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

    it('finds a root key by hash with its permissions and workspace state; an unknown hash is absent', async () => {
      const workspaceId = await newWorkspace();
      const disabledWorkspace = await newWorkspace(store, false);
      const key = generateKey(32, 'kw_root');
      const other = generateKey(32, 'kw_root');
      const row = {
        id: newId('rootKey', NOW), workspaceId, name: 'ops', hash: key.hash, start: key.start,
        permissions: ['api.*.read_api', 'audit.*.read_audit_log'], createdAt: NOW, expires: NOW + DAY, createdBy: null,
      };
      await store.insertRootKey(row);
      await store.insertRootKey({ ...row, id: newId('rootKey', NOW), workspaceId: disabledWorkspace, name: null, hash: other.hash, expires: null });

      expect(await store.findRootKeyByHash(key.hash)).toEqual({
        id: row.id, workspaceId, name: 'ops', start: key.start, permissions: row.permissions, enabled: true,
        expires: NOW + DAY, workspaceEnabled: true, workspaceApiRateLimit: null, createdAt: NOW,
      });
      expect(await store.findRootKeyByHash(other.hash)).toMatchObject({ workspaceId: disabledWorkspace, name: null, expires: null, workspaceEnabled: false });
      expect(await store.findRootKeyByHash(generateKey(32).hash)).toBeUndefined();
    });

    it('finds, lists, updates and soft-deletes root keys, each only in its own workspace', async () => {
      const workspaceId = await newWorkspace();
      const stranger = await newWorkspace();
      expect(await store.findWorkspace(workspaceId)).toEqual({ id: workspaceId, name: 'conformance', enabled: true, createdAt: NOW });
      expect(await store.findWorkspace(newId('workspace', NOW))).toBeUndefined();
      const rows = [];
      for (const name of ['one', null, 'three']) {
        const key = generateKey(32, 'kw_root');
        const row = {
          id: newId('rootKey', NOW), workspaceId, name, hash: key.hash, start: key.start, permissions: ['api.*.read_api'],
          createdAt: NOW, expires: name === 'one' ? NOW + DAY : null, createdBy: name === 'three' ? 'rk_creator' : null,
        };
        await store.insertRootKey(row);
        rows.push(row);
      }
      const [one, two, three] = rows as [typeof rows[0], typeof rows[0], typeof rows[0]];
      expect(await store.findRootKey(workspaceId, one.id)).toEqual({
        id: one.id, workspaceId, name: 'one', hash: one.hash, start: one.start, permissions: ['api.*.read_api'],
        expires: NOW + DAY, createdBy: null, createdAt: NOW, updatedAt: null, lastUsedAt: null,
      });
      expect(await store.findRootKey(stranger, one.id)).toBeUndefined();
      expect(await store.findRootKeyWorkspace(three.id)).toBe(workspaceId);
      expect((await store.listRootKeys({ workspaceId, limit: 10 })).map((k) => k.id)).toEqual([one.id, two.id, three.id]);
      expect((await store.listRootKeys({ workspaceId, cursor: one.id, limit: 1 })).map((k) => k.id)).toEqual([two.id]);
      expect(await store.listRootKeys({ workspaceId: stranger, limit: 10 })).toEqual([]);

      await store.transaction((tx) => tx.updateRootKey(two.id, { name: 'two', permissions: ['audit.*.read_audit_log'] }, NOW + 1));
      await store.updateRootKey(three.id, { permissions: [] }, NOW + 2);
      expect(await store.findRootKey(workspaceId, two.id)).toMatchObject({ name: 'two', permissions: ['audit.*.read_audit_log'], updatedAt: NOW + 1 });
      expect(await store.findRootKeyByHash(two.hash)).toMatchObject({ name: 'two', permissions: ['audit.*.read_audit_log'] });
      expect(await store.findRootKey(workspaceId, three.id)).toMatchObject({ name: 'three', permissions: [], createdBy: 'rk_creator' });

      expect(await store.softDeleteRootKey(stranger, one.id, NOW)).toBe(false);
      expect(await store.softDeleteRootKey(workspaceId, one.id, NOW)).toBe(true);
      expect(await store.softDeleteRootKey(workspaceId, one.id, NOW)).toBe(false);
      expect(await store.findRootKey(workspaceId, one.id)).toBeUndefined();
      expect(await store.findRootKeyWorkspace(one.id)).toBeUndefined();
      expect(await store.findRootKeyByHash(one.hash)).toBeUndefined();
      expect((await store.listRootKeys({ workspaceId, limit: 10 })).map((k) => k.id)).toEqual([two.id, three.id]);
    });

    it('recordRootKeyUsage stamps lastUsedAt per root key, never moving it back, and rolls back with a transaction', async () => {
      const workspaceId = await newWorkspace();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const key = generateKey(32, 'kw_root');
        const id = newId('rootKey', NOW);
        await store.insertRootKey({
          id, workspaceId, name: null, hash: key.hash, start: key.start, permissions: [], createdAt: NOW, expires: null, createdBy: null,
        });
        ids.push(id);
      }
      const [a, b, c] = ids as [string, string, string];
      const lastUsed = async (id: string) => (await store.findRootKey(workspaceId, id))!.lastUsedAt;
      // An unknown id in the batch changes nothing and fails nothing.
      await store.recordRootKeyUsage(new Map([[a, NOW + 10], [b, NOW + 20], [newId('rootKey', NOW), NOW + 10]]));
      expect(await lastUsed(a)).toBe(NOW + 10);
      expect(await lastUsed(b)).toBe(NOW + 20);
      expect(await lastUsed(c)).toBeNull();
      // Another node flushing an older use later must not overwrite the newer time.
      await store.recordRootKeyUsage(new Map([[a, NOW + 30], [b, NOW + 5]]));
      expect(await lastUsed(a)).toBe(NOW + 30);
      expect(await lastUsed(b)).toBe(NOW + 20);
      const listed = new Map((await store.listRootKeys({ workspaceId, limit: 10 })).map((k) => [k.id, k]));
      expect(listed.get(a)).toMatchObject({ lastUsedAt: NOW + 30, updatedAt: null });
      expect(listed.get(c)).toMatchObject({ lastUsedAt: null });
      await expect(store.transaction(async (tx) => {
        await tx.recordRootKeyUsage(new Map([[c, NOW + 40]]));
        throw new Error('abandoned');
      })).rejects.toThrow('abandoned');
      expect(await lastUsed(c)).toBeNull();
      await store.recordRootKeyUsage(new Map());
    });

    it("sets and clears a workspace's API rate limit, read with its root keys; an unknown workspace is refused", async () => {
      const workspaceId = await newWorkspace();
      const other = await newWorkspace();
      const key = generateKey(32, 'kw_root');
      const otherKey = generateKey(32, 'kw_root');
      const row = {
        id: newId('rootKey', NOW), workspaceId, name: null, hash: key.hash, start: key.start,
        permissions: [], createdAt: NOW, expires: null, createdBy: null,
      };
      await store.insertRootKey(row);
      await store.insertRootKey({ ...row, id: newId('rootKey', NOW), workspaceId: other, hash: otherKey.hash });

      expect(await store.setWorkspaceApiRateLimit(workspaceId, 120)).toBe(true);
      expect((await store.findRootKeyByHash(key.hash))?.workspaceApiRateLimit).toBe(120);
      expect((await store.findRootKeyByHash(otherKey.hash))?.workspaceApiRateLimit).toBeNull();
      expect(await store.setWorkspaceApiRateLimit(workspaceId, 0)).toBe(true);
      expect((await store.findRootKeyByHash(key.hash))?.workspaceApiRateLimit).toBe(0);
      expect(await store.setWorkspaceApiRateLimit(workspaceId, null)).toBe(true);
      expect((await store.findRootKeyByHash(key.hash))?.workspaceApiRateLimit).toBeNull();
      expect(await store.setWorkspaceApiRateLimit(newId('workspace', NOW), 5)).toBe(false);
      // Rolled back with its transaction, like every mutation.
      await expect(store.transaction(async (tx) => {
        await tx.setWorkspaceApiRateLimit(workspaceId, 7);
        throw new Error('abandoned');
      })).rejects.toThrow('abandoned');
      expect((await store.findRootKeyByHash(key.hash))?.workspaceApiRateLimit).toBeNull();
    });
  });
}
