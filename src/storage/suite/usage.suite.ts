import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import type { NewKeyRow, Store } from '../store.js';
import { NOW, rootKeyRow, type StoreSuite } from './fixtures.js';

/** lastUsedAt of keys and root keys, written back in batches by the background job (services/usage-buffer.ts). */
export function usageCases(suite: StoreSuite): void {
  describe('usage', () => {
    const { newWorkspace, newKey, fixture } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('recordRootKeyUsage stamps lastUsedAt per root key, never moving it back, and rolls back with a transaction', async () => {
      const workspaceId = await newWorkspace();
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        const row = rootKeyRow(workspaceId);
        await store.insertRootKey(row);
        ids.push(row.id);
      }
      const [a, b, c] = ids as [string, string, string];
      const lastUsed = async (id: string) => (await store.findRootKey(workspaceId, id))!.lastUsedAt;
      // An unknown id in the batch changes nothing and fails nothing.
      await store.recordRootKeyUsage(
        new Map([
          [a, NOW + 10],
          [b, NOW + 20],
          [newId('rootKey', NOW), NOW + 10],
        ]),
      );
      expect(await lastUsed(a)).toBe(NOW + 10);
      expect(await lastUsed(b)).toBe(NOW + 20);
      expect(await lastUsed(c)).toBeNull();
      // Another node flushing an older use later must not overwrite the newer time.
      await store.recordRootKeyUsage(
        new Map([
          [a, NOW + 30],
          [b, NOW + 5],
        ]),
      );
      expect(await lastUsed(a)).toBe(NOW + 30);
      expect(await lastUsed(b)).toBe(NOW + 20);
      const listed = new Map((await store.listRootKeys({ workspaceId, limit: 10 })).map((k) => [k.id, k]));
      expect(listed.get(a)).toMatchObject({ lastUsedAt: NOW + 30, updatedAt: null });
      expect(listed.get(c)).toMatchObject({ lastUsedAt: null });
      await expect(
        store.transaction(async (tx) => {
          await tx.recordRootKeyUsage(new Map([[c, NOW + 40]]));
          throw new Error('abandoned');
        }),
      ).rejects.toThrow('abandoned');
      expect(await lastUsed(c)).toBeNull();
      await store.recordRootKeyUsage(new Map());
    });

    it('recordKeyUsage stamps lastUsedAt per key, never moving it back', async () => {
      const { workspaceId, apiId } = await fixture();
      const [a, b, c] = [await newKey(workspaceId, apiId), await newKey(workspaceId, apiId), await newKey(workspaceId, apiId)];
      await store.recordKeyUsage(
        new Map([
          [a.id, NOW + 10],
          [b.id, NOW + 20],
        ]),
      );
      expect((await store.findKey(workspaceId, a.id))!.lastUsedAt).toBe(NOW + 10);
      expect((await store.findKey(workspaceId, b.id))!.lastUsedAt).toBe(NOW + 20);
      expect((await store.findKey(workspaceId, c.id))!.lastUsedAt).toBeNull();
      // Another node flushing an older use later must not overwrite the newer time.
      await store.recordKeyUsage(
        new Map([
          [a.id, NOW + 30],
          [b.id, NOW + 5],
        ]),
      );
      expect((await store.findKey(workspaceId, a.id))!.lastUsedAt).toBe(NOW + 30);
      expect((await store.findKey(workspaceId, b.id))!.lastUsedAt).toBe(NOW + 20);
    });

    it("recordKeyUsage writes a flush of more than one statement's worth (1,100 keys), unknown ids ignored", async () => {
      const { workspaceId, apiId } = await fixture();
      const rows = await store.transaction(async (tx) => {
        const made: NewKeyRow[] = [];
        for (let i = 0; i < 1_100; i++) made.push(await newKey(workspaceId, apiId, {}, tx));
        return made;
      });
      const usage = new Map(rows.map((row, i) => [row.id, NOW + i]));
      usage.set(newId('key', NOW), NOW);
      await store.recordKeyUsage(usage);
      for (const i of [0, 499, 500, 999, 1_000, 1_099]) expect((await store.findKey(workspaceId, rows[i]!.id))!.lastUsedAt).toBe(NOW + i);
    });
  });
}
