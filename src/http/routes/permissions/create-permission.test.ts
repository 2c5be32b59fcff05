import { describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, newApi, newKey } from '../../../../test/key-fixtures.js';
import { INSUFFICIENT, newPermission } from '../../../../test/rbac-fixtures.js';

const t = useTestServer();

const create = caller(t, 'permissions.createPermission');

describe('permissions.createPermission', () => {
  describe('200', () => {
    it('creates a permission that getPermission returns, and audits it', async () => {
      const res = await create({ name: 'Read documents', slug: 'documents.read', description: 'Lets a key read documents' });
      expect(res.status).toBe(200);
      expect(res.body.meta.requestId).toMatch(/^req_/);
      const permissionId = res.body.data.permissionId;
      expect(permissionId).toMatch(/^perm_[0-9a-z]+$/);
      expect((await t.call('permissions.getPermission', { permission: permissionId })).body.data).toEqual({
        id: permissionId,
        name: 'Read documents',
        slug: 'documents.read',
        description: 'Lets a key read documents',
      });
      const records = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: permissionId, limit: 10 });
      expect(records.map((r) => [r.event, r.resources])).toEqual([
        ['permission.create', [{ type: 'permission', id: permissionId, name: 'documents.read' }]],
      ]);
    });

    it('every slug character the contract allows, at the longest lengths; no description means none in the answer', async () => {
      const slug = `aZ09_:-.*${'x'.repeat(119)}`;
      const res = await create({ name: 'n'.repeat(512), slug });
      expect(res.status).toBe(200);
      const data = (await t.call('permissions.getPermission', { permission: slug })).body.data;
      expect(data).toEqual({ id: res.body.data.permissionId, name: 'n'.repeat(512), slug });
      expect((await create({ name: 'x', slug: 'described', description: 'd'.repeat(512) })).status).toBe(200);
    });

    it('the same slug may exist in another workspace', async () => {
      const { slug } = await newPermission(t);
      const other = await t.newWorkspace();
      expect((await create({ name: slug, slug }, other.rootKey)).status).toBe(200);
    });
  });

  describe('400', () => {
    it('schema violations create nothing', async () => {
      const records = await auditCount(t);
      for (const body of [
        {},
        { name: 'x' },
        { slug: 'x' },
        { name: '', slug: 'x' },
        { name: 'n'.repeat(513), slug: 'x' },
        { name: 'x', slug: '' },
        { name: 'x', slug: 's'.repeat(129) },
        { name: 'x', slug: 'has space' },
        { name: 'x', slug: 'a/b' },
        { name: 'x', slug: 'x', description: 'd'.repeat(513) },
        { name: 'x', slug: 'x', extra: true },
        { name: 'x', slug: 5 },
      ]) {
        const res = await create(body);
        expect(res.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        expect(res.body.error.errors.length).toBeGreaterThan(0);
      }
      expect(await auditCount(t)).toBe(records);
      expect((await t.call('permissions.getPermission', { permission: 'x' })).status).toBe(404);
    });
  });

  describe('403', () => {
    it('without rbac.*.create_permission; nothing is created', async () => {
      const rootKey = await t.rootKeyWith(['rbac.*.read_permission', 'rbac.*.create_role']);
      const res = await create({ name: 'refused', slug: 'refused' }, rootKey);
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe(INSUFFICIENT);
      expect(res.body.error.detail).toBe("Missing permission: 'rbac.*.create_permission'");
      expect((await t.call('permissions.getPermission', { permission: 'refused' })).status).toBe(404);
    });
  });

  describe('409', () => {
    it('a slug the workspace already has, including one a key created; nothing is written', async () => {
      const { slug } = await newPermission(t);
      await newKey(t, { apiId: await newApi(t), permissions: ['from.a.key'] });
      const records = await auditCount(t);
      for (const taken of [slug, 'from.a.key']) {
        const res = await create({ name: 'another name', slug: taken });
        expect(res.status).toBe(409);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/permission_already_exists');
        expect(res.body.error.detail).toContain(taken);
      }
      expect(await auditCount(t)).toBe(records);
      expect((await t.call('permissions.getPermission', { permission: slug })).body.data.name).toBe(slug);
    });
  });
});
