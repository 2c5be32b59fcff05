import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, auditEvents, getKey, newApi, newKey } from '../../../../test/key-fixtures.js';
import { INSUFFICIENT, ROLE_NOT_FOUND, newRole, verifyCode } from '../../../../test/rbac-fixtures.js';
import { expectSchemaErrors } from '../../../../test/schema-errors.js';

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  apiId = await newApi(t);
});

const remove = (role: unknown, rootKey?: string) => t.call('permissions.deleteRole', { role }, rootKey ? { rootKey } : {});

describe('permissions.deleteRole', () => {
  describe('200', () => {
    it('answers data {}; the role is gone, its permissions stay; the delete is audited', async () => {
      const { roleId, name } = await newRole(t, { permissions: ['stays.after.role'] });
      const res = await remove(name);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ meta: { requestId: expect.stringMatching(/^req_/) }, data: {} });
      expect((await t.call('permissions.getRole', { role: roleId })).status).toBe(404);
      expect((await t.call('permissions.getPermission', { permission: 'stays.after.role' })).status).toBe(200);
      expect(await auditEvents(t, roleId)).toEqual(['role.create', 'role.delete']);
    });

    it('keys holding it lose the role and what it gave at once, in getKey and (cached) verifyKey; direct permissions stay', async () => {
      const { roleId, name } = await newRole(t, { permissions: ['via.role'] });
      const { keyId, key } = await newKey(t, { apiId, roles: [name], permissions: ['direct.perm'] });
      expect(await verifyCode(t, key, 'via.role')).toBe('VALID');
      expect((await remove(roleId)).status).toBe(200);
      expect(await verifyCode(t, key, 'via.role')).toBe('INSUFFICIENT_PERMISSIONS');
      expect(await verifyCode(t, key, 'direct.perm')).toBe('VALID');
      const data = await getKey(t, keyId);
      expect(data).not.toHaveProperty('roles');
      expect(data.permissions).toEqual(['direct.perm']);
      // The name is free again, and a new role with it is not given to the key.
      await newRole(t, { name, permissions: ['via.role'] });
      expect(await verifyCode(t, key, 'via.role')).toBe('INSUFFICIENT_PERMISSIONS');
    });
  });

  describe('400', () => {
    it('missing, empty or unknown fields', async () => {
      await expectSchemaErrors((body) => t.call('permissions.deleteRole', body), [{}, { role: '' }, { role: 'x', cascade: true }]);
    });
  });

  describe('403', () => {
    it('without rbac.*.delete_role; nothing changes', async () => {
      const { roleId } = await newRole(t);
      const rootKey = await t.rootKeyWith(['rbac.*.read_role', 'rbac.*.delete_permission']);
      const records = await auditCount(t);
      const res = await remove(roleId, rootKey);
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe(INSUFFICIENT);
      expect((await t.call('permissions.getRole', { role: roleId })).status).toBe(200);
      expect(await auditCount(t)).toBe(records);
    });
  });

  describe('404', () => {
    it("a missing, already deleted or other workspace's role; nothing changes", async () => {
      const deleted = await newRole(t);
      await remove(deleted.roleId);
      const other = await t.newWorkspace();
      const foreign = await newRole(t, {}, other.rootKey);
      const records = await auditCount(t);
      for (const role of ['nothing', deleted.roleId, foreign.roleId, foreign.name]) {
        const res = await remove(role);
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe(ROLE_NOT_FOUND);
      }
      expect(await auditCount(t)).toBe(records);
      expect((await t.call('permissions.getRole', { role: foreign.roleId }, { rootKey: other.rootKey })).status).toBe(200);
    });
  });
});
