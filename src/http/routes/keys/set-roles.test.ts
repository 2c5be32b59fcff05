import { beforeAll, describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, getKey, newApi, newKey } from '../../../../test/key-fixtures.js';
import { INSUFFICIENT, ROLE_NOT_FOUND, auditedRoleIds, newRole, verifyCode } from '../../../../test/rbac-fixtures.js';
import { expectSchemaErrors } from '../../../../test/schema-errors.js';

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  apiId = await newApi(t);
});

const set = caller(t, 'keys.setRoles');
const names = (res: { body: any }) => res.body.data.map((r: { name: string }) => r.name);

describe('keys.setRoles', () => {
  describe('200', () => {
    it("replaces the key's roles exactly; answers them with their permissions; audits both sides; verify sees it at once", async () => {
      const old = await newRole(t, { name: 'set_old', permissions: ['from.old'] });
      const both = await newRole(t, { name: 'set_both' });
      const fresh = await newRole(t, { name: 'set_new', permissions: ['from.new'] });
      const { keyId, key } = await newKey(t, { apiId, roles: ['set_old', 'set_both'], permissions: ['direct'] });
      const res = await set({ keyId, roles: ['set_new', 'set_both'] });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([
        { id: both.roleId, name: 'set_both', permissions: [] },
        { id: fresh.roleId, name: 'set_new', permissions: [expect.objectContaining({ slug: 'from.new' })] },
      ]);
      expect(await verifyCode(t, key, 'from.old')).toBe('INSUFFICIENT_PERMISSIONS');
      expect(await verifyCode(t, key, 'from.new AND direct')).toBe('VALID');
      expect(await getKey(t, keyId)).toMatchObject({ roles: ['set_both', 'set_new'], permissions: ['direct', 'from.new'] });
      expect(await auditedRoleIds(t, keyId)).toEqual([old.roleId, both.roleId, fresh.roleId].sort());
    });

    it('[] clears them; update_key on that API and add_role_to_key suffice (upstream: update_key alone)', async () => {
      const { name } = await newRole(t);
      const { keyId } = await newKey(t, { apiId, roles: [name] });
      const res = await set({ keyId, roles: [] }, await t.rootKeyWith([`api.${apiId}.update_key`, 'rbac.*.add_role_to_key']));
      expect(res.status).toBe(200);
      expect(names(res)).toEqual([]);
      expect(await getKey(t, keyId)).not.toHaveProperty('roles');
    });
  });

  describe('400', () => {
    it('schema violations', async () => {
      const { keyId } = await newKey(t, { apiId });
      await expectSchemaErrors(set, [
        {},
        { keyId },
        { keyId, roles: [''] },
        { keyId, roles: Array.from({ length: 101 }, (_, i) => `r${i}`) },
        { keyId, roles: 'r' },
        { keyId, roles: [], x: 1 },
      ]);
    });
  });

  describe('403', () => {
    it("without update_key on the key's API; nothing changes", async () => {
      const { name } = await newRole(t);
      const { keyId } = await newKey(t, { apiId, roles: [name] });
      const rootKey = await t.rootKeyWith(['rbac.*.add_role_to_key', 'rbac.*.remove_role_from_key', 'api.*.read_key']);
      const records = await auditCount(t);
      const res = await set({ keyId, roles: [] }, rootKey);
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe(INSUFFICIENT);
      expect(await auditCount(t)).toBe(records);
      expect((await getKey(t, keyId)).roles).toEqual([name]);
    });
  });

  describe('404', () => {
    it('an unknown role: 404 role_not_found, and the roles stay as they were', async () => {
      const held = await newRole(t);
      const other = await newRole(t);
      const { keyId } = await newKey(t, { apiId, roles: [held.name] });
      const records = await auditCount(t);
      const res = await set({ keyId, roles: [other.name, 'no_such_role'] });
      expect(res.status).toBe(404);
      expect(res.body.error.type).toBe(ROLE_NOT_FOUND);
      expect(res.body.error.detail).toBe("Role 'no_such_role' was not found.");
      expect(await auditCount(t)).toBe(records);
      expect((await getKey(t, keyId)).roles).toEqual([held.name]);
    });

    it("a random key id and another workspace's key answer alike", async () => {
      const { name } = await newRole(t);
      const { keyId } = await newKey(t, { apiId, roles: [name] });
      const stranger = await t.newWorkspace();
      const missing = await set({ keyId: 'key_doesnotexist', roles: [] }, stranger.rootKey);
      const foreign = await set({ keyId, roles: [] }, stranger.rootKey);
      expect([missing.status, foreign.status]).toEqual([404, 404]);
      expect(foreign.body.error.detail.replace(keyId, '<id>')).toBe(missing.body.error.detail.replace('key_doesnotexist', '<id>'));
      expect((await getKey(t, keyId)).roles).toEqual([name]);
    });
  });
});
