import { beforeAll, describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, auditEvents, newApi, newKey } from '../../../../test/key-fixtures.js';
import { expectSchemaErrors } from '../../../../test/schema-errors.js';

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  apiId = await newApi(t);
});

const del = caller(t, 'keys.deleteKey');

describe('keys.deleteKey', () => {
  describe('200', () => {
    it('soft delete: data {}, getKey 404, verify NOT_FOUND at once, one audit record', async () => {
      const { keyId, key } = await newKey(t, { apiId, name: 'doomed' });
      expect((await t.call('keys.verifyKey', { key })).body.data.valid).toBe(true);
      const res = await del({ keyId });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({});
      expect((await t.call('keys.getKey', { keyId })).status).toBe(404);
      expect((await t.call('keys.verifyKey', { key })).body.data).toEqual({ valid: false, code: 'NOT_FOUND' });
      expect(await auditEvents(t, keyId)).toEqual(['key.create', 'key.delete']);
      // A second delete finds nothing.
      expect((await del({ keyId })).status).toBe(404);
    });

    it('permanent delete removes the key with its limits and access; the audit trail stays', async () => {
      const { keyId, key } = await newKey(t, {
        apiId,
        permissions: ['x.read'],
        ratelimits: [{ name: 'requests', limit: 1, duration: 1000, autoApply: false }],
      });
      const res = await del({ keyId, permanent: true });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({});
      expect((await t.call('keys.getKey', { keyId })).status).toBe(404);
      expect((await t.call('keys.verifyKey', { key })).body.data.code).toBe('NOT_FOUND');
      expect(await auditEvents(t, keyId)).toEqual(['key.create', 'key.delete']);
    });

    it('a soft-deleted key cannot then be deleted permanently (it is gone for the API)', async () => {
      const { keyId } = await newKey(t, { apiId });
      await del({ keyId });
      expect((await del({ keyId, permanent: true })).status).toBe(404);
    });

    it('the specific-id delete_key permission is enough', async () => {
      const { keyId } = await newKey(t, { apiId });
      expect((await del({ keyId }, await t.rootKeyWith([`api.${apiId}.delete_key`]))).status).toBe(200);
    });
  });

  describe('400', () => {
    it('schema violations', async () => {
      await expectSchemaErrors(del, [{}, { keyId: 'ab' }, { keyId: 'key_1', permanent: 'yes' }, { keyId: 'key_1', extra: 1 }]);
    });
  });

  describe('403', () => {
    it("without delete_key on the key's API; the key stays", async () => {
      const { keyId } = await newKey(t, { apiId });
      const rootKey = await t.rootKeyWith(['api.*.update_key', 'api.api_other.delete_key']);
      const records = await auditCount(t);
      for (const permanent of [false, true]) {
        const res = await del({ keyId, permanent }, rootKey);
        expect(res.status).toBe(403);
        expect(res.body.error.detail).toContain(`api.${apiId}.delete_key`);
      }
      expect((await t.call('keys.getKey', { keyId })).status).toBe(200);
      expect(await auditCount(t)).toBe(records);
    });
  });

  describe('404', () => {
    it("a random id and another workspace's key answer alike; the key stays", async () => {
      const { keyId } = await newKey(t, { apiId });
      const stranger = await t.newWorkspace();
      const missing = await del({ keyId: 'key_doesnotexist', permanent: true }, stranger.rootKey);
      const foreign = await del({ keyId, permanent: true }, stranger.rootKey);
      expect(missing.status).toBe(404);
      expect(foreign.status).toBe(404);
      const strip = (body: any, id: string) => ({ ...body.error, detail: body.error.detail.replace(id, '<id>') });
      expect(strip(foreign.body, keyId)).toEqual(strip(missing.body, 'key_doesnotexist'));
      expect((await t.call('keys.getKey', { keyId })).status).toBe(200);
    });
  });
});
