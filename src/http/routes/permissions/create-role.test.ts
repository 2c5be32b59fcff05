import { Unkey } from '@unkey/api';
import { describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, newApi, newKey } from '../../../../test/key-fixtures.js';
import { INSUFFICIENT, newPermission, newRole, slugsOf } from '../../../../test/rbac-fixtures.js';
import { expectSchemaErrors } from '../../../../test/schema-errors.js';

const t = useTestServer();

const create = caller(t, 'permissions.createRole');
const getRole = async (role: string) => (await t.call('permissions.getRole', { role })).body.data;
const exists = async (slug: string) => (await t.call('permissions.getPermission', { permission: slug })).status === 200;

describe('permissions.createRole', () => {
  describe('200', () => {
    it('creates a role with its permissions (existing ones reused, missing ones created, repeats ignored), and audits it', async () => {
      const existing = await newPermission(t, { slug: 'docs.read', name: 'Read docs' });
      const res = await create({ name: 'editor', description: 'Edits docs', permissions: ['docs.write', 'docs.read', 'docs.write'] });
      expect(res.status).toBe(200);
      const roleId = res.body.data.roleId;
      expect(roleId).toMatch(/^role_[0-9a-z]+$/);
      const role = await getRole(roleId);
      expect(role).toEqual({
        id: roleId,
        name: 'editor',
        description: 'Edits docs',
        permissions: [
          { id: existing.permissionId, name: 'Read docs', slug: 'docs.read' },
          { id: expect.stringMatching(/^perm_/), name: 'docs.write', slug: 'docs.write' },
        ],
      });
      const [record] = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: roleId, limit: 10 });
      expect(record).toMatchObject({ event: 'role.create', description: expect.stringContaining('created docs.write') });
      expect(record!.resources).toEqual([
        { type: 'role', id: roleId, name: 'editor' },
        { type: 'permission', id: existing.permissionId, name: 'docs.read' },
        { type: 'permission', id: role.permissions[1].id, name: 'docs.write' },
      ]);
    });

    it('without permissions: an empty role, which rbac.*.create_role alone may create', async () => {
      const rootKey = await t.rootKeyWith(['rbac.*.create_role']);
      for (const body of [{ name: 'empty_a' }, { name: 'empty_b', permissions: [] }]) {
        const res = await create(body, rootKey);
        expect(res.status).toBe(200);
        expect(await getRole(res.body.data.roleId)).toEqual({ id: res.body.data.roleId, name: body.name, permissions: [] });
      }
    });

    it('existing permissions need add_permission_to_role but not create_permission', async () => {
      const { slug } = await newPermission(t);
      const rootKey = await t.rootKeyWith(['rbac.*.create_role', 'rbac.*.add_permission_to_role']);
      expect((await create({ name: 'reuses', permissions: [slug] }, rootKey)).status).toBe(200);
    });

    it('a key given the role verifies with its permissions', async () => {
      const { name } = await newRole(t, { permissions: ['billing.read'] });
      const { key } = await newKey(t, { apiId: await newApi(t), roles: [name] });
      expect((await t.call('keys.verifyKey', { key, permissions: 'billing.read' })).body.data).toMatchObject({
        valid: true,
        roles: [name],
      });
    });

    it('the real @unkey/api client accepts every permissions.* and key access response', async () => {
      const unkey = new Unkey({ rootKey: t.rootKey, serverURL: await t.listen(), retryConfig: { strategy: 'none' } });
      const { data: perm } = await unkey.permissions.createPermission({ name: 'SDK read', slug: 'sdk.read', description: 'from the SDK' });
      expect((await unkey.permissions.getPermission({ permission: 'sdk.read' })).data).toEqual({
        id: perm.permissionId,
        name: 'SDK read',
        slug: 'sdk.read',
        description: 'from the SDK',
      });
      expect((await unkey.permissions.listPermissions({ search: 'sdk.' })).result.data.map((p) => p.id)).toEqual([perm.permissionId]);
      const { data: role } = await unkey.permissions.createRole({ name: 'sdk_role', permissions: ['sdk.read'] });
      expect((await unkey.permissions.getRole({ role: 'sdk_role' })).data.permissions?.map((p) => p.slug)).toEqual(['sdk.read']);
      expect((await unkey.permissions.listRoles({ search: 'sdk_' })).result.data.map((r) => r.id)).toEqual([role.roleId]);
      expect(slugsOf((await unkey.permissions.setRolePermissions({ roleId: role.roleId, permissions: ['sdk.write'] })).data)).toEqual([
        'sdk.write',
      ]);
      const { keyId } = await newKey(t, { apiId: await newApi(t) });
      expect(slugsOf((await unkey.keys.addPermissions({ keyId, permissions: ['sdk.read', 'sdk.admin'] })).data)).toEqual([
        'sdk.admin',
        'sdk.read',
      ]);
      expect(slugsOf((await unkey.keys.removePermissions({ keyId, permissions: ['sdk.admin'] })).data)).toEqual(['sdk.read']);
      expect((await unkey.keys.setPermissions({ keyId, permissions: [] })).data).toEqual([]);
      expect((await unkey.keys.addRoles({ keyId, roles: ['sdk_role'] })).data.map((r) => r.name)).toEqual(['sdk_role']);
      expect((await unkey.keys.removeRoles({ keyId, roles: ['sdk_role'] })).data).toEqual([]);
      expect((await unkey.keys.setRoles({ keyId, roles: ['sdk_role'] })).data[0]!.permissions?.map((p) => p.slug)).toEqual(['sdk.write']);
      expect((await unkey.permissions.deleteRole({ role: role.roleId })).data).toEqual({});
      expect((await unkey.permissions.deletePermission({ permission: perm.permissionId })).data).toEqual({});
    });
  });

  describe('400', () => {
    it('schema violations create nothing', async () => {
      const records = await auditCount(t);
      await expectSchemaErrors(create, [
        {},
        { name: '' },
        { name: 'r'.repeat(129) },
        { name: 'ok', description: 'd'.repeat(513) },
        { name: 'ok', permissions: ['bad slug'] },
        { name: 'ok', permissions: Array.from({ length: 1001 }, (_, i) => `p.${i}`) },
        { name: 'ok', permissions: 'p.one' },
        { name: 'ok', extra: 1 },
      ]);
      expect(await auditCount(t)).toBe(records);
    });

    it('the longest name and description are accepted', async () => {
      expect((await create({ name: 'r'.repeat(128), description: 'd'.repeat(512) })).status).toBe(200);
    });
  });

  describe('403', () => {
    it('each missing permission of the AND is refused, and nothing (role or permission) is created', async () => {
      const cases = [
        [['rbac.*.add_permission_to_role', 'rbac.*.create_permission'], 'rbac.*.create_role'],
        [['rbac.*.create_role', 'rbac.*.create_permission'], 'rbac.*.add_permission_to_role'],
        [['rbac.*.create_role', 'rbac.*.add_permission_to_role'], 'rbac.*.create_permission'],
      ] as const;
      const rootKeys = await Promise.all(cases.map(([permissions]) => t.rootKeyWith([...permissions])));
      const records = await auditCount(t);
      for (const [i, [, missing]] of cases.entries()) {
        const res = await create({ name: 'refused', permissions: ['brand.new'] }, rootKeys[i]);
        expect(res.status).toBe(403);
        expect(res.body.error.type).toBe(INSUFFICIENT);
        expect(res.body.error.detail).toBe(`Missing permission: '${missing}'`);
      }
      expect(await auditCount(t)).toBe(records);
      expect((await t.call('permissions.getRole', { role: 'refused' })).status).toBe(404);
      expect(await exists('brand.new')).toBe(false);
    });
  });

  describe('409', () => {
    it('a name the workspace already has; the new permission it named is not created', async () => {
      const { name } = await newRole(t);
      const records = await auditCount(t);
      const res = await create({ name, permissions: ['never.created'] });
      expect(res.status).toBe(409);
      expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/role_already_exists');
      expect(res.body.error.detail).toContain(name);
      expect(await auditCount(t)).toBe(records);
      expect(await exists('never.created')).toBe(false);
      // Another workspace may use the name.
      expect((await create({ name }, (await t.newWorkspace()).rootKey)).status).toBe(200);
    });
  });
});
