import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, auditEvents } from '../../../../test/key-fixtures.js';
import { INSUFFICIENT, ROOT_KEY_NOT_FOUND, allRootKeys, newRootKey } from '../../../../test/root-key-fixtures.js';

const t = useTestServer();

const revoke = (rootKeyId: string, rootKey = t.rootKey) => t.call('rootKeys.revokeRootKey', { rootKeyId }, { rootKey });

describe('rootKeys.revokeRootKey', () => {
  describe('200', () => {
    it('the revoked key, already cached, gets 401 on the very next request; unlisted; audited', async () => {
      const { rootKeyId, key } = await newRootKey(t, ['api.*.create_api'], { name: 'leaked' });
      expect((await t.call('apis.createApi', { name: 'cached now' }, { rootKey: key })).status).toBe(200);
      const res = await revoke(rootKeyId);
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({});
      const next = await t.call('apis.createApi', { name: 'refused' }, { rootKey: key });
      expect(next.status).toBe(401);
      expect(next.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authentication/key_not_found');
      expect((await allRootKeys(t)).map((k) => k.id)).not.toContain(rootKeyId);
      expect(await auditEvents(t, rootKeyId)).toEqual(['rootKey.create', 'rootKey.revoke']);
    });

    it('a root key may revoke itself', async () => {
      const { rootKeyId, key } = await newRootKey(t, ['rootkey.*.delete_root_key']);
      expect((await revoke(rootKeyId, key)).status).toBe(200);
      expect((await revoke(rootKeyId, key)).status).toBe(401);
    });
  });

  describe('400', () => {
    it('missing or malformed id, unknown fields', async () => {
      for (const body of [{}, { rootKeyId: '' }, { rootKeyId: 'rk_x', permanent: true }, { rootKeyId: 'rk x' }]) {
        expect((await t.call('rootKeys.revokeRootKey', body)).status, JSON.stringify(body)).toBe(400);
      }
    });
  });

  describe('403', () => {
    it('without rootkey.*.delete_root_key; the key keeps working', async () => {
      const { rootKeyId, key } = await newRootKey(t, ['api.*.create_api']);
      const rootKey = await t.rootKeyWith(['rootkey.*.update_root_key', 'rootkey.*.read_root_key']);
      const res = await revoke(rootKeyId, rootKey);
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe(INSUFFICIENT);
      expect((await t.call('apis.createApi', { name: 'still fine' }, { rootKey: key })).status).toBe(200);
    });
  });

  describe('404', () => {
    it("a missing, already revoked or other workspace's root key; the other workspace's key keeps working", async () => {
      const revoked = await newRootKey(t, []);
      await revoke(revoked.rootKeyId);
      const other = await t.newWorkspace();
      const foreign = await newRootKey(t, ['api.*.create_api'], { by: other.rootKey });
      const records = await auditCount(t, other.workspaceId);
      for (const rootKeyId of ['rk_doesnotexist', revoked.rootKeyId, foreign.rootKeyId]) {
        const res = await revoke(rootKeyId);
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe(ROOT_KEY_NOT_FOUND);
      }
      expect(await auditCount(t, other.workspaceId)).toBe(records);
      expect((await t.call('apis.createApi', { name: 'untouched' }, { rootKey: foreign.key })).status).toBe(200);
    });
  });
});
