import { randomBytes } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import type { EncryptedKeyRecord, Store } from '../store.js';
import { NOW, type StoreSuite } from './fixtures.js';

/**
 * The ciphertexts of recoverable keys (services/keys/recoverable.ts seals them; keys.getKey and apis.listKeys with
 * `decrypt: true` read them back). Reading another workspace's ciphertext would hand its plaintext to the vault.
 */
export function encryptedKeyCases(suite: StoreSuite): void {
  describe('encrypted keys', () => {
    const { newKey, fixture } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    /** A ciphertext as the vault writes it: base64 of nonce, sealed bytes and tag, so `+`, `/` and `=` must survive. */
    const sealed = (workspaceId: string, keyId: string, createdAt = NOW): EncryptedKeyRecord => ({
      keyId,
      workspaceId,
      ciphertext: randomBytes(700).toString('base64'),
      encryptionKeyId: `dek_${createdAt.toString(36)}${randomBytes(8).toString('hex')}`,
      createdAt,
    });
    const byKeyId = (rows: EncryptedKeyRecord[]) => [...rows].sort((a, b) => a.keyId.localeCompare(b.keyId));

    it('finds exactly the asked keys that have a ciphertext, every field as stored; unknown ids are skipped', async () => {
      const { workspaceId, apiId } = await fixture();
      const [a, b, plain, unasked] = [
        await newKey(workspaceId, apiId),
        await newKey(workspaceId, apiId),
        await newKey(workspaceId, apiId),
        await newKey(workspaceId, apiId),
      ];
      const rows = [sealed(workspaceId, a.id, NOW + 1), sealed(workspaceId, b.id, NOW + 2), sealed(workspaceId, unasked.id, NOW + 3)];
      for (const row of rows) await store.insertEncryptedKey(row);
      const [rowA, rowB] = rows as [EncryptedKeyRecord, EncryptedKeyRecord];

      expect(await store.findEncryptedKeys(workspaceId, [a.id])).toEqual([rowA]);
      expect(byKeyId(await store.findEncryptedKeys(workspaceId, [b.id, plain.id, newId('key', NOW), a.id]))).toEqual(byKeyId([rowA, rowB]));
      expect(await store.findEncryptedKeys(workspaceId, [plain.id])).toEqual([]);
      expect(await store.findEncryptedKeys(workspaceId, [newId('key', NOW)])).toEqual([]);
      expect(await store.findEncryptedKeys(workspaceId, [])).toEqual([]);
    });

    it('keeps one ciphertext per key: a second one is refused and the first is left as it was', async () => {
      const { workspaceId, apiId } = await fixture();
      const key = await newKey(workspaceId, apiId);
      const first = sealed(workspaceId, key.id);
      await store.insertEncryptedKey(first);
      await expect(store.insertEncryptedKey(sealed(workspaceId, key.id, NOW + 1))).rejects.toThrow();
      expect(await store.findEncryptedKeys(workspaceId, [key.id])).toEqual([first]);
    });

    it("never returns another workspace's ciphertext, even asked for by its key id", async () => {
      const mine = await fixture();
      const theirs = await fixture();
      const myKey = await newKey(mine.workspaceId, mine.apiId);
      const theirKey = await newKey(theirs.workspaceId, theirs.apiId);
      const myRow = sealed(mine.workspaceId, myKey.id);
      const theirRow = sealed(theirs.workspaceId, theirKey.id);
      await store.insertEncryptedKey(myRow);
      await store.insertEncryptedKey(theirRow);

      expect(await store.findEncryptedKeys(mine.workspaceId, [theirKey.id])).toEqual([]);
      expect(await store.findEncryptedKeys(mine.workspaceId, [myKey.id, theirKey.id])).toEqual([myRow]);
      expect(await store.findEncryptedKeys(theirs.workspaceId, [myKey.id, theirKey.id])).toEqual([theirRow]);
    });

    it('an insert in a transaction is seen there, kept on commit and gone on rollback', async () => {
      const { workspaceId, apiId } = await fixture();
      const committed = await store.transaction(async (tx) => {
        const key = await newKey(workspaceId, apiId, {}, tx);
        const row = sealed(workspaceId, key.id);
        await tx.insertEncryptedKey(row);
        return row;
      });
      expect(await store.findEncryptedKeys(workspaceId, [committed.keyId])).toEqual([committed]);

      let abandoned: EncryptedKeyRecord | undefined;
      await expect(
        store.transaction(async (tx) => {
          const key = await newKey(workspaceId, apiId, {}, tx);
          abandoned = sealed(workspaceId, key.id);
          await tx.insertEncryptedKey(abandoned);
          expect(await tx.findEncryptedKeys(workspaceId, [key.id])).toEqual([abandoned]);
          throw new Error('abandoned');
        }),
      ).rejects.toThrow('abandoned');
      expect(abandoned).toBeDefined();
      expect(await store.findEncryptedKeys(workspaceId, [abandoned!.keyId, committed.keyId])).toEqual([committed]);
    });

    it("never returns a deleted key's ciphertext, nor that of a key of a deleted API, even asked for by id", async () => {
      const { workspaceId, apiId } = await fixture();
      const [live, deleted] = [await newKey(workspaceId, apiId), await newKey(workspaceId, apiId)];
      const liveRow = sealed(workspaceId, live.id);
      await store.insertEncryptedKey(liveRow);
      await store.insertEncryptedKey(sealed(workspaceId, deleted.id));
      await store.softDeleteKey(deleted.id, NOW + 1);
      expect(await store.findEncryptedKeys(workspaceId, [deleted.id])).toEqual([]);
      expect(await store.findEncryptedKeys(workspaceId, [live.id, deleted.id])).toEqual([liveRow]);

      await store.softDeleteApi(workspaceId, apiId, NOW + 2);
      expect(await store.findEncryptedKeys(workspaceId, [live.id])).toEqual([]);
    });

    it('purging a key removes its ciphertext: the same id inserted again has none', async () => {
      const { workspaceId, apiId } = await fixture();
      const key = await newKey(workspaceId, apiId);
      await store.insertEncryptedKey(sealed(workspaceId, key.id));
      await store.purgeKey(key.id);
      expect(await store.findEncryptedKeys(workspaceId, [key.id])).toEqual([]);
      await store.insertKey(key);
      expect(await store.findEncryptedKeys(workspaceId, [key.id])).toEqual([]);
    });
  });
}
