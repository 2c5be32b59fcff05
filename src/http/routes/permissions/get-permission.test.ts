import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { auditCount } from '../../../../test/key-fixtures.js';
import { INSUFFICIENT, PERMISSION_NOT_FOUND, newPermission } from '../../../../test/rbac-fixtures.js';
import { expectSchemaErrors } from '../../../../test/schema-errors.js';

const t = useTestServer();

const get = (permission: unknown, rootKey?: string) => t.call('permissions.getPermission', { permission }, rootKey ? { rootKey } : {});

describe('permissions.getPermission', () => {
  describe('200', () => {
    it('finds the same permission by id and by slug; reading writes no audit record', async () => {
      const { permissionId, slug } = await newPermission(t, { name: 'Fixture', description: 'about it' });
      const records = await auditCount(t);
      const byId = await get(permissionId);
      expect(byId.status).toBe(200);
      expect(byId.body.data).toEqual({ id: permissionId, name: 'Fixture', slug, description: 'about it' });
      expect((await get(slug)).body.data).toEqual(byId.body.data);
      expect(await auditCount(t)).toBe(records);
    });

    it("an id wins over another permission's slug that spells it", async () => {
      const { permissionId } = await newPermission(t);
      await newPermission(t, { slug: permissionId });
      expect((await get(permissionId)).body.data.id).toBe(permissionId);
    });
  });

  describe('400', () => {
    it('missing, empty, too long or unknown fields', async () => {
      await expectSchemaErrors(
        (body) => t.call('permissions.getPermission', body),
        [{}, { permission: '' }, { permission: 'p'.repeat(256) }, { permission: 'x', extra: 1 }, { permission: 5 }],
      );
    });
  });

  describe('403', () => {
    it('without rbac.*.read_permission, whether or not the permission exists', async () => {
      const { permissionId } = await newPermission(t);
      const rootKey = await t.rootKeyWith(['rbac.*.read_role', 'rbac.*.create_permission']);
      for (const permission of [permissionId, 'nothing']) {
        const res = await get(permission, rootKey);
        expect(res.status).toBe(403);
        expect(res.body.error.type).toBe(INSUFFICIENT);
      }
    });
  });

  describe('404', () => {
    it("a missing, deleted or other workspace's permission", async () => {
      const deleted = await newPermission(t);
      await t.call('permissions.deletePermission', { permission: deleted.permissionId });
      const other = await t.newWorkspace();
      const foreign = await newPermission(t, {}, other.rootKey);
      for (const permission of ['nothing', deleted.permissionId, deleted.slug, foreign.permissionId, foreign.slug]) {
        const res = await get(permission);
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe(PERMISSION_NOT_FOUND);
        expect(res.body.error.detail).toBe(`Permission '${permission}' was not found.`);
      }
    });
  });
});
