import { Unkey } from '@unkey/api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/storage/sql/dialect.js';
import type { TestServer } from './harness.js';
import { auditCount, newApi, newKey } from './key-fixtures.js';
import { recoverableApi } from './vault-fixtures.js';

/**
 * Recoverable keys through the HTTP API, against whatever vault `start` configures: the route tests run it
 * with the vault in the server process, the vault end-to-end tests with a separate `keyward vault serve`.
 */

export interface RecoverableTarget {
  t: TestServer;
  close(): Promise<void>;
}

const GENERIC_DECRYPT_FAILURE = 'The key could not be decrypted; the request id identifies the failure in the server log.';

/** Rewrites a stored ciphertext directly in the main database (both engines). */
async function setCiphertext(t: TestServer, keyId: string, ciphertext: string): Promise<void> {
  const { db } = openDatabase(t.databaseUrl);
  try {
    await db.updateTable('encrypted_keys').set({ ciphertext }).where('key_id', '=', keyId).execute();
  } finally {
    await db.destroy();
  }
}

async function ciphertextOf(t: TestServer, keyId: string): Promise<string | undefined> {
  return (await t.server.store.findEncryptedKeys(t.workspaceId, [keyId]))[0]?.ciphertext;
}

export function recoverableKeySuite(name: string, start: () => Promise<RecoverableTarget>): void {
  describe(`recoverable keys (${name})`, () => {
    let target: RecoverableTarget;
    let t: TestServer;
    let apiId: string;
    beforeAll(async () => {
      target = await start();
      t = target.t;
      apiId = await recoverableApi(t);
    });
    afterAll(async () => {
      await target.close();
    });

    const decryptEvents = async (keyId: string) =>
      await t.server.store.listAudit({ workspaceId: t.workspaceId, events: ['key.decrypt'], resourceId: keyId, limit: 100 });

    describe('apiSettings.updateSettings storeEncryptedKeys', () => {
      it('200: turns encrypted key storage on and off, audited as api.update', async () => {
        const id = await newApi(t);
        expect((await t.call('apiSettings.getSettings', { apiId: id })).body.data.storeEncryptedKeys).toBe(false);
        const on = await t.call('apiSettings.updateSettings', { apiId: id, storeEncryptedKeys: true });
        expect(on.status).toBe(200);
        expect(on.body.data).toMatchObject({ apiId: id, storeEncryptedKeys: true, deleteProtection: false });
        expect((await t.call('apiSettings.getSettings', { apiId: id })).body.data.storeEncryptedKeys).toBe(true);
        const audit = await t.server.store.listAudit({ workspaceId: t.workspaceId, events: ['api.update'], resourceId: id, limit: 10 });
        expect(audit.map((a) => a.description)).toEqual([`Changed settings of API ${id}: storeEncryptedKeys=true`]);
        await t.call('apiSettings.updateSettings', { apiId: id, storeEncryptedKeys: false });
        expect((await t.call('apiSettings.getSettings', { apiId: id })).body.data.storeEncryptedKeys).toBe(false);
      });
    });

    describe('keys.createKey recoverable', () => {
      it('200: the key works as any other and its ciphertext (never the key) is stored; audited as recoverable', async () => {
        const { keyId, key } = await newKey(t, { apiId, prefix: 'rk', recoverable: true });
        const ciphertext = await ciphertextOf(t, keyId);
        expect(ciphertext).toMatch(/^kw1\.dek_[0-9a-z]+\./);
        expect(ciphertext).not.toContain(key.slice(3));
        expect((await t.call('keys.verifyKey', { key })).body.data).toMatchObject({ valid: true, code: 'VALID' });
        const audit = await t.server.store.listAudit({ workspaceId: t.workspaceId, events: ['key.create'], resourceId: keyId, limit: 10 });
        expect(audit.map((a) => a.description)).toEqual([`Created recoverable key ${keyId} in API ${apiId}`]);
      });

      it('200 with the API-specific create_key and encrypt_key permissions', async () => {
        const rootKey = await t.rootKeyWith([`api.${apiId}.create_key`, `api.${apiId}.encrypt_key`]);
        expect((await t.call('keys.createKey', { apiId, recoverable: true }, { rootKey })).status).toBe(200);
      });

      it('404 (masked) without encrypt_key; nothing is created', async () => {
        const rootKey = await t.rootKeyWith(['api.*.create_key']);
        const records = await auditCount(t);
        const res = await t.call('keys.createKey', { apiId, recoverable: true }, { rootKey });
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/api_not_found');
        expect(await auditCount(t)).toBe(records);
      });

      it('412 when the API does not store encrypted keys; nothing is created', async () => {
        const plain = await newApi(t);
        const records = await auditCount(t);
        const res = await t.call('keys.createKey', { apiId: plain, recoverable: true });
        expect(res.status).toBe(412);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/application/precondition_failed');
        expect(res.body.error.detail).toContain('storeEncryptedKeys');
        expect(await auditCount(t)).toBe(records);
        expect((await t.call('apis.listKeys', { apiId: plain })).body.data).toEqual([]);
      });
    });

    describe('keys.getKey decrypt', () => {
      it('200: returns the plaintext and audits who read which key, when and from where, in a record of its own', async () => {
        const { keyId, key } = await newKey(t, { apiId, recoverable: true, name: 'recover me' });
        const rootKey = await t.rootKeyWith([`api.${apiId}.read_key`, `api.${apiId}.decrypt_key`]);
        const res = await t.call('keys.getKey', { keyId, decrypt: true }, { rootKey, headers: { 'user-agent': 'recovery-test/1.0' } });
        expect(res.status).toBe(200);
        expect(res.body.data).toMatchObject({ keyId, name: 'recover me', plaintext: key });
        const [record, ...more] = await decryptEvents(keyId);
        expect(more).toEqual([]);
        expect(record).toMatchObject({
          event: 'key.decrypt',
          description: `Read the plaintext of key ${keyId}`,
          time: t.clock.now(),
          actor: { type: 'root_key' },
          userAgent: 'recovery-test/1.0',
          requestId: res.body.meta.requestId,
          resources: [
            { type: 'key', id: keyId, name: 'recover me' },
            { type: 'api', id: apiId },
          ],
        });
        expect(record!.sourceIp).toBeTruthy();
        expect(JSON.stringify(record)).not.toContain(key);
      });

      it('200 without plaintext: decrypt false, and a key not created recoverable (nothing audited)', async () => {
        const recoverable = await newKey(t, { apiId, recoverable: true });
        expect((await t.call('keys.getKey', { keyId: recoverable.keyId })).body.data).not.toHaveProperty('plaintext');
        const plain = await newKey(t, { apiId });
        const records = await auditCount(t);
        const res = await t.call('keys.getKey', { keyId: plain.keyId, decrypt: true });
        expect(res.status).toBe(200);
        expect(res.body.data).not.toHaveProperty('plaintext');
        expect(await auditCount(t)).toBe(records);
      });

      it('403 without decrypt_key; nothing is decrypted or audited', async () => {
        const { keyId } = await newKey(t, { apiId, recoverable: true });
        const rootKey = await t.rootKeyWith(['api.*.read_key', 'api.*.encrypt_key']);
        const records = await auditCount(t);
        const res = await t.call('keys.getKey', { keyId, decrypt: true }, { rootKey });
        expect(res.status).toBe(403);
        expect(res.body.error.detail).toContain('decrypt_key');
        expect(await auditCount(t)).toBe(records);
      });

      it('412 once the API stops storing encrypted keys', async () => {
        const id = await recoverableApi(t);
        const { keyId } = await newKey(t, { apiId: id, recoverable: true });
        await t.call('apiSettings.updateSettings', { apiId: id, storeEncryptedKeys: false });
        const res = await t.call('keys.getKey', { keyId, decrypt: true });
        expect(res.status).toBe(412);
        expect(res.body.error.detail).toContain('storeEncryptedKeys');
      });

      it('500 with one generic error for a tampered ciphertext or one moved from another key; nothing audited', async () => {
        const victim = await newKey(t, { apiId, recoverable: true });
        const donor = await newKey(t, { apiId, recoverable: true });
        const original = (await ciphertextOf(t, victim.keyId))!;
        const body = original.split('.')[2]!;
        const flipped = Buffer.from(body, 'base64url');
        flipped[flipped.length - 1]! ^= 0x01;
        const forgeries = [
          original.replace(body, flipped.toString('base64url')),
          (await ciphertextOf(t, donor.keyId))!,
          original.slice(0, -8),
          'not a ciphertext',
        ];
        const records = await auditCount(t);
        for (const forged of forgeries) {
          await setCiphertext(t, victim.keyId, forged);
          const res = await t.call('keys.getKey', { keyId: victim.keyId, decrypt: true });
          expect(res.status).toBe(500);
          expect(res.body.error).toEqual({
            title: 'Internal Server Error',
            status: 500,
            type: 'https://unkey.com/docs/errors/unkey/application/unexpected_error',
            detail: GENERIC_DECRYPT_FAILURE,
          });
          for (const secret of [victim.key, donor.key]) expect(JSON.stringify(res.body)).not.toContain(secret);
        }
        expect(await auditCount(t)).toBe(records);
        await setCiphertext(t, victim.keyId, original);
        expect((await t.call('keys.getKey', { keyId: victim.keyId, decrypt: true })).body.data.plaintext).toBe(victim.key);
      });

      it('another workspace cannot read the key, nor decrypt a ciphertext copied into it', async () => {
        const { keyId } = await newKey(t, { apiId, recoverable: true });
        const stranger = await t.newWorkspace();
        expect((await t.call('keys.getKey', { keyId, decrypt: true }, { rootKey: stranger.rootKey })).status).toBe(404);
        const theirApi = await recoverableApi(t, stranger.rootKey);
        const theirs = await newKey(t, { apiId: theirApi, recoverable: true }, stranger.rootKey);
        const { db } = openDatabase(t.databaseUrl);
        try {
          // The stranger's key row now carries our ciphertext: bound to our workspace and key, it does not open.
          await db
            .updateTable('encrypted_keys')
            .set({ ciphertext: (await ciphertextOf(t, keyId))! })
            .where('key_id', '=', theirs.keyId)
            .execute();
        } finally {
          await db.destroy();
        }
        const res = await t.call('keys.getKey', { keyId: theirs.keyId, decrypt: true }, { rootKey: stranger.rootKey });
        expect(res.status).toBe(500);
        expect(res.body.error.detail).toBe(GENERIC_DECRYPT_FAILURE);
      });
    });

    describe('apis.listKeys decrypt', () => {
      it('200: plaintext on the recoverable keys only, each read audited; a key that fails comes without it', async () => {
        const id = await recoverableApi(t);
        const a = await newKey(t, { apiId: id, recoverable: true });
        const plain = await newKey(t, { apiId: id });
        const b = await newKey(t, { apiId: id, recoverable: true });
        const broken = await newKey(t, { apiId: id, recoverable: true });
        await setCiphertext(t, broken.keyId, (await ciphertextOf(t, a.keyId))!);
        const rootKey = await t.rootKeyWith(['api.*.read_key', 'api.*.read_api', `api.${id}.decrypt_key`]);
        const res = await t.call('apis.listKeys', { apiId: id, decrypt: true }, { rootKey });
        expect(res.status).toBe(200);
        const plaintexts = Object.fromEntries(res.body.data.map((k: any) => [k.keyId, k.plaintext]));
        expect(plaintexts).toEqual({ [a.keyId]: a.key, [plain.keyId]: undefined, [b.keyId]: b.key, [broken.keyId]: undefined });
        for (const keyId of [a.keyId, b.keyId]) expect((await decryptEvents(keyId)).length).toBe(1);
        for (const keyId of [plain.keyId, broken.keyId]) expect(await decryptEvents(keyId)).toEqual([]);
        // Without decrypt: no plaintext and no record.
        const records = await auditCount(t);
        const listed = await t.call('apis.listKeys', { apiId: id }, { rootKey });
        expect(listed.body.data.every((k: any) => k.plaintext === undefined)).toBe(true);
        expect(await auditCount(t)).toBe(records);
      });

      it('403 with decrypt but without decrypt_key', async () => {
        const res = await t.call(
          'apis.listKeys',
          { apiId, decrypt: true },
          { rootKey: await t.rootKeyWith(['api.*.read_key', 'api.*.read_api']) },
        );
        expect(res.status).toBe(403);
      });
    });

    describe('keys.rerollKey', () => {
      it('200: a recoverable key stays recoverable; the new key decrypts to itself', async () => {
        const old = await newKey(t, { apiId, prefix: 'rr', recoverable: true });
        const res = await t.call('keys.rerollKey', { keyId: old.keyId, expiration: 60_000 });
        expect(res.status).toBe(200);
        const fresh = res.body.data as { keyId: string; key: string };
        expect(fresh.key).toMatch(/^rr_/);
        expect((await t.call('keys.getKey', { keyId: fresh.keyId, decrypt: true })).body.data.plaintext).toBe(fresh.key);
        expect((await t.call('keys.getKey', { keyId: old.keyId, decrypt: true })).body.data.plaintext).toBe(old.key);
      });

      it('403 without encrypt_key for a recoverable key (a plain key needs none); nothing changes', async () => {
        const rootKey = await t.rootKeyWith(['api.*.create_key', 'api.*.read_key']);
        const old = await newKey(t, { apiId, recoverable: true });
        const records = await auditCount(t);
        const res = await t.call('keys.rerollKey', { keyId: old.keyId, expiration: 0 }, { rootKey });
        expect(res.status).toBe(403);
        expect(res.body.error.detail).toContain('encrypt_key');
        expect(await auditCount(t)).toBe(records);
        const plain = await newKey(t, { apiId });
        expect((await t.call('keys.rerollKey', { keyId: plain.keyId, expiration: 0 }, { rootKey })).status).toBe(200);
      });

      it('412 for a recoverable key once its API stops storing encrypted keys', async () => {
        const id = await recoverableApi(t);
        const old = await newKey(t, { apiId: id, recoverable: true });
        await t.call('apiSettings.updateSettings', { apiId: id, storeEncryptedKeys: false });
        expect((await t.call('keys.rerollKey', { keyId: old.keyId, expiration: 0 })).status).toBe(412);
      });
    });

    it('keys.whoami never returns a plaintext', async () => {
      const { key } = await newKey(t, { apiId, recoverable: true });
      const res = await t.call('keys.whoami', { key });
      expect(res.status).toBe(200);
      expect(res.body.data).not.toHaveProperty('plaintext');
    });

    it('the official client reads the plaintext through getKey and listKeys', async () => {
      const address = await t.listen();
      const unkey = new Unkey({ rootKey: t.rootKey, serverURL: address, retryConfig: { strategy: 'none' } });
      const { data: created } = await unkey.keys.createKey({ apiId, recoverable: true });
      expect((await unkey.keys.getKey({ keyId: created.keyId, decrypt: true })).data.plaintext).toBe(created.key);
      const listed = await unkey.apis.listKeys({ apiId, decrypt: true, limit: 100 });
      expect(listed.result.data.find((k) => k.keyId === created.keyId)?.plaintext).toBe(created.key);
    });
  });
}
