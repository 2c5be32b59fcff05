import { beforeAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, auditEvents, getKey, newApi, newKey } from '../../../../test/key-fixtures.js';
import { INSUFFICIENT, PERMISSION_NOT_FOUND, newPermission, newRole, verifyCode } from '../../../../test/rbac-fixtures.js';
import { expectSchemaErrors } from '../../../../test/schema-errors.js';

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  apiId = await newApi(t);
});

const remove = (permission: unknown, rootKey?: string) =>
  t.call('permissions.deletePermission', { permission }, rootKey ? { rootKey } : {});

describe('permissions.deletePermission', () => {
  describe('200', () => {
    it('answers data {}; the permission is gone; the delete is audited', async () => {
      const { permissionId, slug } = await newPermission(t);
      const res = await remove(permissionId);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ meta: { requestId: expect.stringMatching(/^req_/) }, data: {} });
      expect((await t.call('permissions.getPermission', { permission: slug })).status).toBe(404);
      expect(await auditEvents(t, permissionId)).toEqual(['permission.create', 'permission.delete']);
    });

    it('by slug: keys and roles holding it lose it at once, in getKey, getRole and (cached) verifyKey', async () => {
      const { slug } = await newPermission(t, { slug: 'doomed.perm' });
      const { roleId, name } = await newRole(t, { permissions: [slug, 'kept.perm'] });
      const direct = await newKey(t, { apiId, permissions: [slug] });
      const viaRole = await newKey(t, { apiId, roles: [name] });
      for (const { key } of [direct, viaRole]) expect(await verifyCode(t, key, slug)).toBe('VALID');
      expect((await remove(slug)).status).toBe(200);
      for (const { key } of [direct, viaRole]) expect(await verifyCode(t, key, slug)).toBe('INSUFFICIENT_PERMISSIONS');
      expect(await getKey(t, direct.keyId)).not.toHaveProperty('permissions');
      expect((await getKey(t, viaRole.keyId)).permissions).toEqual(['kept.perm']);
      const role = (await t.call('permissions.getRole', { role: roleId })).body.data;
      expect(role.permissions.map((p: { slug: string }) => p.slug)).toEqual(['kept.perm']);
    });

    it('the slug can be created again afterwards, as a new permission that no key holds', async () => {
      const first = await newPermission(t, { slug: 'reborn' });
      const { keyId } = await newKey(t, { apiId, permissions: ['reborn'] });
      await remove('reborn');
      const second = await newPermission(t, { slug: 'reborn' });
      expect(second.permissionId).not.toBe(first.permissionId);
      expect(await getKey(t, keyId)).not.toHaveProperty('permissions');
    });
  });

  describe('400', () => {
    it('missing, empty or unknown fields', async () => {
      await expectSchemaErrors(
        (body) => t.call('permissions.deletePermission', body),
        [{}, { permission: '' }, { permission: 'x', permanent: true }],
      );
    });
  });

  describe('403', () => {
    it('without rbac.*.delete_permission; nothing changes', async () => {
      const { permissionId } = await newPermission(t);
      const rootKey = await t.rootKeyWith(['rbac.*.read_permission', 'rbac.*.delete_role']);
      const records = await auditCount(t);
      const res = await remove(permissionId, rootKey);
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe(INSUFFICIENT);
      expect((await t.call('permissions.getPermission', { permission: permissionId })).status).toBe(200);
      expect(await auditCount(t)).toBe(records);
    });
  });

  describe('404', () => {
    it("a missing, already deleted or other workspace's permission; nothing changes", async () => {
      const deleted = await newPermission(t);
      await remove(deleted.permissionId);
      const other = await t.newWorkspace();
      const foreign = await newPermission(t, {}, other.rootKey);
      const records = await auditCount(t);
      for (const permission of ['nothing', deleted.permissionId, foreign.permissionId, foreign.slug]) {
        const res = await remove(permission);
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe(PERMISSION_NOT_FOUND);
      }
      expect(await auditCount(t)).toBe(records);
      expect((await t.call('permissions.getPermission', { permission: foreign.permissionId }, { rootKey: other.rootKey })).status).toBe(
        200,
      );
    });
  });
});
