import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import { generateKey } from '../../core/key-format.js';
import type { NewKeyRow, Store } from '../store.js';
import { NOW, keyRow, type StoreSuite } from './fixtures.js';

/** The key-migration methods: keys.migrateKeys imports under a migration, keys.verifyKey completes it. */
export function keyMigrationCases(suite: StoreSuite): void {
  describe('key migrations', () => {
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    /** The suite's workspace with one API, plus a migration of it. */
    async function fixture() {
      const { workspaceId, apiId } = await suite.fixture();
      const migrationId = newId('migration', NOW);
      await store.insertKeyMigration({ id: migrationId, workspaceId, algorithm: 'sha256_hex', createdAt: NOW });
      return { workspaceId, apiId, migrationId };
    }

    /** An imported key: stored under the hash it had elsewhere, with the placeholder start until its first verification. */
    const row = (workspaceId: string, apiId: string, hash: string, fields: Partial<NewKeyRow> = {}): NewKeyRow =>
      keyRow(workspaceId, apiId, { hash, start: '(migrated)', prefix: null, ...fields });

    it('stores migrations per workspace', async () => {
      const { workspaceId, migrationId } = await fixture();
      const other = await fixture();
      expect(await store.findKeyMigration(workspaceId, migrationId)).toEqual({
        id: migrationId,
        workspaceId,
        algorithm: 'sha256_hex',
        createdAt: NOW,
      });
      expect(await store.findKeyMigration(other.workspaceId, migrationId)).toBeUndefined();
      const second = newId('migration', NOW);
      await store.insertKeyMigration({ id: second, workspaceId, algorithm: 'prefixed_api_key', createdAt: NOW });
      expect((await store.listKeyMigrations(workspaceId)).map((m) => [m.id, m.algorithm])).toEqual([
        [migrationId, 'sha256_hex'],
        [second, 'prefixed_api_key'],
      ]);
    });

    it('inserts imported keys pending their migration, refusing a taken hash without failing the transaction', async () => {
      const { workspaceId, apiId, migrationId } = await fixture();
      const hash = 'a1'.repeat(32);
      const taken = generateKey(16);
      await store.insertKey(row(workspaceId, apiId, taken.hash, { start: taken.start }));
      const results = await store.transaction(async (tx) => [
        await tx.insertMigratedKey({
          ...row(workspaceId, apiId, hash, { remaining: 5, refill: { amount: 5, day: null } }),
          pendingMigrationId: migrationId,
        }),
        await tx.insertMigratedKey({ ...row(workspaceId, apiId, taken.hash), pendingMigrationId: migrationId }),
        await tx.insertMigratedKey({ ...row(workspaceId, apiId, hash), pendingMigrationId: migrationId }),
      ]);
      expect(results).toEqual([true, false, false]);
      expect((await store.findTakenKeyHashes(workspaceId, [hash, taken.hash, 'free', hash])).sort()).toEqual([hash, taken.hash].sort());
      const pending = await store.findPendingMigratedKey(workspaceId, migrationId, hash);
      expect(pending).toMatchObject({ apiId, hash });
      expect(await store.findKey(workspaceId, pending!.id)).toMatchObject({
        start: '(migrated)',
        remaining: 5,
        refill: { amount: 5, day: null },
      });
      // Scoped to the workspace and the migration; an ordinary key is never "pending".
      expect(await store.findPendingMigratedKey((await fixture()).workspaceId, migrationId, hash)).toBeUndefined();
      expect(await store.findPendingMigratedKey(workspaceId, 'mig_other', hash)).toBeUndefined();
      expect(await store.findPendingMigratedKey(workspaceId, migrationId, taken.hash)).toBeUndefined();
    });

    it("another workspace's hashes are not taken: imports and completions count only the workspace's own keys", async () => {
      const mine = await fixture();
      const theirs = await fixture();
      const live = generateKey(16);
      const deleted = generateKey(16);
      await store.insertKey(row(theirs.workspaceId, theirs.apiId, live.hash, { start: live.start }));
      const gone = row(theirs.workspaceId, theirs.apiId, deleted.hash);
      await store.insertKey(gone);
      await store.softDeleteKey(gone.id, NOW);
      const pendingHash = 'f6'.repeat(32);
      await store.insertMigratedKey({ ...row(theirs.workspaceId, theirs.apiId, pendingHash), pendingMigrationId: theirs.migrationId });

      const hashes = [live.hash, deleted.hash, pendingHash];
      expect(await store.findTakenKeyHashes(mine.workspaceId, hashes)).toEqual([]);
      expect((await store.findTakenKeyHashes(theirs.workspaceId, hashes)).sort()).toEqual([...hashes].sort());
      const imported = hashes.map((hash) => row(mine.workspaceId, mine.apiId, hash));
      for (const key of imported) expect(await store.insertMigratedKey({ ...key, pendingMigrationId: mine.migrationId })).toBe(true);
      expect((await store.findTakenKeyHashes(mine.workspaceId, hashes)).sort()).toEqual([...hashes].sort());

      // Moving my pending key onto a hash my workspace has (my import of `live`) conflicts; one only theirs has does not.
      const change = { fromHash: pendingHash, hash: live.hash, start: live.start, prefix: null };
      expect(await store.completeKeyMigration(mine.workspaceId, imported[2]!.id, change, NOW + 1)).toBe('conflict');
      const target = generateKey(16);
      await store.insertKey(row(theirs.workspaceId, theirs.apiId, target.hash, { start: target.start }));
      expect(
        await store.completeKeyMigration(mine.workspaceId, imported[2]!.id, { ...change, hash: target.hash, start: target.start }, NOW + 1),
      ).toBe('completed');
      expect(await store.findKeyByHash(mine.workspaceId, target.hash)).toMatchObject({ id: imported[2]!.id });
      expect(await store.findKeyByHash(theirs.workspaceId, target.hash)).toMatchObject({ workspaceId: theirs.workspaceId });
    });

    it('completes a migration once; refuses a hash another key has; deleted keys and APIs are not pending', async () => {
      const { workspaceId, apiId, migrationId } = await fixture();
      const key = row(workspaceId, apiId, 'b2'.repeat(32));
      await store.insertMigratedKey({ ...key, pendingMigrationId: migrationId });
      const target = generateKey(16, 'sk');
      const change = { fromHash: key.hash, hash: target.hash, start: target.start, prefix: 'sk' };
      expect(await store.completeKeyMigration(workspaceId, key.id, change, NOW + 1)).toBe('completed');
      expect(await store.findKeyByHash(workspaceId, target.hash)).toMatchObject({
        id: key.id,
        start: target.start,
        prefix: 'sk',
        updatedAt: NOW + 1,
      });
      expect(await store.findPendingMigratedKey(workspaceId, migrationId, key.hash)).toBeUndefined();
      expect(await store.completeKeyMigration(workspaceId, key.id, change, NOW + 2)).toBe('gone');

      const clash = row(workspaceId, apiId, 'c3'.repeat(32));
      await store.insertMigratedKey({ ...clash, pendingMigrationId: migrationId });
      expect(await store.completeKeyMigration(workspaceId, clash.id, { ...change, fromHash: clash.hash }, NOW)).toBe('conflict');
      expect(await store.findPendingMigratedKey(workspaceId, migrationId, clash.hash)).toMatchObject({ id: clash.id });
      // In a transaction, a conflict leaves it usable: what follows still commits (a refused statement would end it on PostgreSQL).
      const other = generateKey(16);
      await store.transaction(async (tx) => {
        expect(await tx.completeKeyMigration(workspaceId, clash.id, { ...change, fromHash: clash.hash }, NOW)).toBe('conflict');
        await tx.updateKey(clash.id, { name: 'after a conflict' }, NOW + 3);
      });
      expect(await store.findKey(workspaceId, clash.id)).toMatchObject({ name: 'after a conflict' });
      // Another workspace cannot complete it: the key is not there.
      const elsewhere = { ...change, fromHash: clash.hash, hash: other.hash, start: other.start };
      expect(await store.completeKeyMigration((await fixture()).workspaceId, clash.id, elsewhere, NOW)).toBe('gone');
      expect(await store.findPendingMigratedKey(workspaceId, migrationId, clash.hash)).toMatchObject({ id: clash.id });

      const deleted = row(workspaceId, apiId, 'd4'.repeat(32));
      await store.insertMigratedKey({ ...deleted, pendingMigrationId: migrationId });
      await store.softDeleteKey(deleted.id, NOW);
      expect(await store.findPendingMigratedKey(workspaceId, migrationId, deleted.hash)).toBeUndefined();
      expect(
        await store.completeKeyMigration(workspaceId, deleted.id, { ...change, fromHash: deleted.hash, hash: generateKey(16).hash }, NOW),
      ).toBe('gone');
      const ofDeletedApi = row(workspaceId, apiId, 'e5'.repeat(32));
      await store.insertMigratedKey({ ...ofDeletedApi, pendingMigrationId: migrationId });
      await store.softDeleteApi(workspaceId, apiId, NOW);
      expect(await store.findPendingMigratedKey(workspaceId, migrationId, ofDeletedApi.hash)).toBeUndefined();
    });
  });
}
