import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { auditCount } from '../../../../test/key-fixtures.js';
import { INSUFFICIENT, ROLE_NOT_FOUND, newPermission, newRole } from '../../../../test/rbac-fixtures.js';
import { expectSchemaErrors } from '../../../../test/schema-errors.js';

const t = useTestServer();

const get = (role: unknown, rootKey?: string) => t.call('permissions.getRole', { role }, rootKey ? { rootKey } : {});

describe('permissions.getRole', () => {
  describe('200', () => {
    it('finds the same role by id and by name, with its permissions by slug; reading writes no audit record', async () => {
      const described = await newPermission(t, { slug: 'z.last', name: 'Last', description: 'comes last' });
      const { roleId, name } = await newRole(t, { description: 'a role', permissions: ['z.last', 'a.first'] });
      const records = await auditCount(t);
      const byId = await get(roleId);
      expect(byId.status).toBe(200);
      expect(byId.body.data).toEqual({
        id: roleId,
        name,
        description: 'a role',
        permissions: [
          { id: expect.stringMatching(/^perm_/), name: 'a.first', slug: 'a.first' },
          { id: described.permissionId, name: 'Last', slug: 'z.last', description: 'comes last' },
        ],
      });
      expect((await get(name)).body.data).toEqual(byId.body.data);
      expect(await auditCount(t)).toBe(records);
    });

    it("an id wins over another role's name that spells it", async () => {
      const { roleId } = await newRole(t);
      await newRole(t, { name: roleId });
      expect((await get(roleId)).body.data.id).toBe(roleId);
    });
  });

  describe('400', () => {
    it('missing, empty, too long or unknown fields', async () => {
      await expectSchemaErrors(
        (body) => t.call('permissions.getRole', body),
        [{}, { role: '' }, { role: 'r'.repeat(256) }, { role: 'x', extra: 1 }, { role: ['x'] }],
      );
    });
  });

  describe('403', () => {
    it('without rbac.*.read_role, whether or not the role exists', async () => {
      const { roleId } = await newRole(t);
      const rootKey = await t.rootKeyWith(['rbac.*.read_permission', 'rbac.*.create_role']);
      for (const role of [roleId, 'nothing']) {
        const res = await get(role, rootKey);
        expect(res.status).toBe(403);
        expect(res.body.error.type).toBe(INSUFFICIENT);
      }
    });
  });

  describe('404', () => {
    it("a missing, deleted or other workspace's role", async () => {
      const deleted = await newRole(t);
      await t.call('permissions.deleteRole', { role: deleted.roleId });
      const other = await t.newWorkspace();
      const foreign = await newRole(t, {}, other.rootKey);
      for (const role of ['nothing', deleted.roleId, deleted.name, foreign.roleId, foreign.name]) {
        const res = await get(role);
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe(ROLE_NOT_FOUND);
        expect(res.body.error.detail).toBe(`Role '${role}' was not found.`);
      }
    });
  });
});
