import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, auditEvents } from '../../../../test/key-fixtures.js';
import { INSUFFICIENT, ROOT_KEY_NOT_FOUND, newRootKey } from '../../../../test/root-key-fixtures.js';

const t = useTestServer();

const update = (body: unknown, rootKey = t.rootKey) => t.call('rootKeys.updateRootKey', body, { rootKey });
const UPDATE = 'rootkey.*.update_root_key';

describe('rootKeys.updateRootKey', () => {
  describe('200', () => {
    it('renames and replaces permissions; the key, already cached, works with the new set from the next request; audited', async () => {
      const { rootKeyId, key } = await newRootKey(t, ['api.*.create_api'], { name: 'before' });
      expect((await t.call('apis.createApi', { name: 'cached now' }, { rootKey: key })).status).toBe(200);
      expect((await t.call('audit.listLogs', {}, { rootKey: key })).status).toBe(403);

      const res = await update({ rootKeyId, name: 'after', permissions: ['audit.*.read_audit_log'] });
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ id: rootKeyId, name: 'after', permissions: ['audit.*.read_audit_log'] });
      expect(JSON.stringify(res.body)).not.toContain(key);

      expect((await t.call('apis.createApi', { name: 'refused now' }, { rootKey: key })).status).toBe(403);
      expect((await t.call('audit.listLogs', {}, { rootKey: key })).status).toBe(200);
      expect(await auditEvents(t, rootKeyId)).toEqual(['rootKey.create', 'rootKey.update']);
    });

    it('only the name, or only the permissions; a root key may lower itself', async () => {
      const { rootKeyId, key } = await newRootKey(t, [UPDATE, 'api.*.read_api'], { name: 'self' });
      expect((await update({ rootKeyId, name: 'renamed' }, key)).body.data).toMatchObject({
        name: 'renamed',
        permissions: [UPDATE, 'api.*.read_api'],
      });
      expect((await update({ rootKeyId, permissions: [UPDATE] }, key)).body.data).toMatchObject({ name: 'renamed', permissions: [UPDATE] });
      expect((await t.call('apis.getApi', { apiId: 'api_whatever' }, { rootKey: key })).status).toBe(403);
    });
  });

  describe('400', () => {
    it('schema problems and unknown permissions; nothing changes', async () => {
      const { rootKeyId } = await newRootKey(t, ['api.*.read_api']);
      const records = await auditCount(t);
      for (const body of [
        {},
        { rootKeyId: 'rk' },
        { rootKeyId, name: '' },
        { rootKeyId, extra: 1 },
        { rootKeyId, permissions: ['api.*.nope'] },
      ]) {
        expect((await update(body)).status, JSON.stringify(body)).toBe(400);
      }
      expect(await auditCount(t)).toBe(records);
    });
  });

  describe('403', () => {
    it('without rootkey.*.update_root_key', async () => {
      const { rootKeyId } = await newRootKey(t, []);
      const rootKey = await t.rootKeyWith(['rootkey.*.create_root_key', 'rootkey.*.read_root_key']);
      const res = await update({ rootKeyId, name: 'x' }, rootKey);
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe(INSUFFICIENT);
    });

    it('no escalation: neither another root key nor itself gets a permission the caller lacks; nothing changes', async () => {
      const caller = await newRootKey(t, [UPDATE, 'api.*.read_api']);
      const other = await newRootKey(t, []);
      const records = await auditCount(t);
      for (const rootKeyId of [other.rootKeyId, caller.rootKeyId]) {
        const res = await update({ rootKeyId, permissions: [UPDATE, 'api.*.read_api', 'api.*.delete_api'] }, caller.key);
        expect(res.status).toBe(403);
        expect(res.body.error.detail).toContain("'api.*.delete_api'");
      }
      expect(await auditCount(t)).toBe(records);
      expect((await t.call('apis.deleteApi', { apiId: 'api_whatever' }, { rootKey: caller.key })).status).toBe(403);
    });
  });

  describe('404', () => {
    it("a missing, revoked or other workspace's root key, with the same answer", async () => {
      const revoked = await newRootKey(t, []);
      await t.call('rootKeys.revokeRootKey', { rootKeyId: revoked.rootKeyId });
      const other = await t.newWorkspace();
      const foreign = await newRootKey(t, [], { by: other.rootKey });
      const records = await auditCount(t, other.workspaceId);
      for (const rootKeyId of ['rk_doesnotexist', revoked.rootKeyId, foreign.rootKeyId]) {
        const res = await update({ rootKeyId, permissions: [] });
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe(ROOT_KEY_NOT_FOUND);
        expect(res.body.error.detail).toBe(`The root key '${rootKeyId}' was not found.`);
      }
      expect(await auditCount(t, other.workspaceId)).toBe(records);
    });
  });
});
