import { beforeAll, describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, getKey, newApi, newKey } from '../../../../test/key-fixtures.js';
import { INSUFFICIENT, ROLE_NOT_FOUND, newPermission, newRole, slugsOf, verifyCode } from '../../../../test/rbac-fixtures.js';
import { expectSchemaErrors } from '../../../../test/schema-errors.js';

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  apiId = await newApi(t);
});

const set = caller(t, 'permissions.setRolePermissions');
const roleSlugs = async (role: string) => slugsOf((await t.call('permissions.getRole', { role })).body.data.permissions);

describe('permissions.setRolePermissions', () => {
  describe('200', () => {
    it('replaces exactly, creating missing slugs; answers the new set by slug; audits both sides', async () => {
      const kept = await newPermission(t, { slug: 'kept', name: 'Kept', description: 'stays' });
      const { roleId } = await newRole(t, { permissions: ['kept', 'dropped'] });
      const dropped = (await t.call('permissions.getPermission', { permission: 'dropped' })).body.data;
      const res = await set({ roleId, permissions: ['new.one', 'kept', 'new.one'] });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([
        { id: kept.permissionId, name: 'Kept', slug: 'kept', description: 'stays' },
        { id: expect.stringMatching(/^perm_/), name: 'new.one', slug: 'new.one' },
      ]);
      expect(await roleSlugs(roleId)).toEqual(['kept', 'new.one']);
      const [record] = await t.server.store.listAudit({
        workspaceId: t.workspaceId,
        resourceId: roleId,
        events: ['role.update_permissions'],
        limit: 10,
      });
      expect(record!.description).toContain('created new.one');
      expect(record!.resources.map((r) => r.id).sort()).toEqual([roleId, kept.permissionId, res.body.data[1].id, dropped.id].sort());
      // The dropped permission still exists; only the link went.
      expect((await t.call('permissions.getPermission', { permission: 'dropped' })).status).toBe(200);
    });

    it('[] clears; existing slugs need no create_permission', async () => {
      const { slug } = await newPermission(t);
      const { roleId } = await newRole(t, { permissions: ['to.clear'] });
      const rootKey = await t.rootKeyWith(['rbac.*.add_permission_to_role', 'rbac.*.remove_permission_from_role']);
      expect((await set({ roleId, permissions: [] }, rootKey)).body.data).toEqual([]);
      expect(await roleSlugs(roleId)).toEqual([]);
      expect(slugsOf((await set({ roleId, permissions: [slug] }, rootKey)).body.data)).toEqual([slug]);
    });

    it("verifyKey sees a role's new permissions on the very next request (the cached key is dropped)", async () => {
      const { roleId, name } = await newRole(t, { permissions: ['docs.read'] });
      const { keyId, key } = await newKey(t, { apiId, roles: [name] });
      expect(await verifyCode(t, key, 'docs.read')).toBe('VALID');
      expect(await verifyCode(t, key, 'docs.write')).toBe('INSUFFICIENT_PERMISSIONS');
      await set({ roleId, permissions: ['docs.write'] });
      expect(await verifyCode(t, key, 'docs.read')).toBe('INSUFFICIENT_PERMISSIONS');
      expect(await verifyCode(t, key, 'docs.write')).toBe('VALID');
      expect(await verifyCode(t, key, 'docs.read OR docs.write')).toBe('VALID');
      await set({ roleId, permissions: [] });
      expect(await verifyCode(t, key, 'docs.write')).toBe('INSUFFICIENT_PERMISSIONS');
      expect(await getKey(t, keyId)).toMatchObject({ roles: [name] });
      expect(await getKey(t, keyId)).not.toHaveProperty('permissions');
    });
  });

  describe('400', () => {
    it('schema violations change nothing', async () => {
      const { roleId } = await newRole(t, { permissions: ['unchanged'] });
      await expectSchemaErrors(set, [
        {},
        { roleId },
        { permissions: [] },
        { roleId: 'ab', permissions: [] },
        { roleId: 'role x', permissions: [] },
        { roleId: 'r'.repeat(256), permissions: [] },
        { roleId, permissions: ['bad slug'] },
        { roleId, permissions: [''] },
        { roleId, permissions: Array.from({ length: 1001 }, (_, i) => `p.${i}`) },
        { roleId, permissions: [], extra: 1 },
      ]);
      expect(await roleSlugs(roleId)).toEqual(['unchanged']);
    });
  });

  describe('403', () => {
    it('each missing permission of the AND is refused, and nothing changes or is created', async () => {
      const { roleId } = await newRole(t, { permissions: ['unchanged'] });
      const cases = [
        [['rbac.*.remove_permission_from_role', 'rbac.*.create_permission'], 'rbac.*.add_permission_to_role'],
        [['rbac.*.add_permission_to_role', 'rbac.*.create_permission'], 'rbac.*.remove_permission_from_role'],
        [['rbac.*.add_permission_to_role', 'rbac.*.remove_permission_from_role'], 'rbac.*.create_permission'],
      ] as const;
      const rootKeys = await Promise.all(cases.map(([permissions]) => t.rootKeyWith([...permissions])));
      const records = await auditCount(t);
      for (const [i, [, missing]] of cases.entries()) {
        const res = await set({ roleId, permissions: ['brand.new'] }, rootKeys[i]);
        expect(res.status).toBe(403);
        expect(res.body.error.type).toBe(INSUFFICIENT);
        expect(res.body.error.detail).toBe(`Missing permission: '${missing}'`);
      }
      expect(await roleSlugs(roleId)).toEqual(['unchanged']);
      expect((await t.call('permissions.getPermission', { permission: 'brand.new' })).status).toBe(404);
      expect(await auditCount(t)).toBe(records);
    });
  });

  describe('404', () => {
    it("a missing role, a role named by its name (the id is required), another workspace's role; nothing is created", async () => {
      const { name } = await newRole(t, { name: 'role_named_like_an_id' });
      const foreign = await newRole(t, {}, (await t.newWorkspace()).rootKey);
      const records = await auditCount(t);
      for (const roleId of ['role_doesnotexist', name, foreign.roleId]) {
        const res = await set({ roleId, permissions: ['never.made'] });
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe(ROLE_NOT_FOUND);
        expect(res.body.error.detail).toBe(`Role '${roleId}' was not found.`);
      }
      expect(await auditCount(t)).toBe(records);
      expect((await t.call('permissions.getPermission', { permission: 'never.made' })).status).toBe(404);
    });
  });
});
