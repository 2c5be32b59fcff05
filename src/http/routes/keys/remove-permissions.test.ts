import { beforeAll, describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, getKey, newApi, newKey } from '../../../../test/key-fixtures.js';
import { INSUFFICIENT, PERMISSION_NOT_FOUND, newPermission, newRole, slugsOf, verifyCode } from '../../../../test/rbac-fixtures.js';

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  apiId = await newApi(t);
});

const remove = caller(t, 'keys.removePermissions');

describe('keys.removePermissions', () => {
  describe('200', () => {
    it("removes the slugs (ignoring ones the key lacks); answers the key's direct permissions; audits it", async () => {
      const { slug: unheld } = await newPermission(t);
      const { name } = await newRole(t, { permissions: ['via.role', 'also.direct'] });
      const { keyId } = await newKey(t, { apiId, permissions: ['keep.me', 'drop.me', 'also.direct'], roles: [name] });
      const res = await remove({ keyId, permissions: ['drop.me', unheld, 'also.direct'] });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([{ id: expect.stringMatching(/^perm_/), name: 'keep.me', slug: 'keep.me' }]);
      // A permission the key also has through a role is still held through the role.
      expect((await getKey(t, keyId)).permissions).toEqual(['also.direct', 'keep.me', 'via.role']);
      const [record] = await t.server.store.listAudit({
        workspaceId: t.workspaceId,
        resourceId: keyId,
        events: ['key.update_permissions'],
        limit: 10,
      });
      expect(record!.resources.map((r) => r.type)).toEqual(['key', 'api', 'permission', 'permission', 'permission']);
      expect(record!.resources.slice(2).map((r) => r.name)).toEqual(['also.direct', 'drop.me', unheld].sort());
      // Only the link went: the permission itself stays.
      expect((await t.call('permissions.getPermission', { permission: 'drop.me' })).status).toBe(200);
    });

    it('verifyKey stops granting it on the very next request', async () => {
      const { key, keyId } = await newKey(t, { apiId, permissions: ['short.lived'] });
      expect(await verifyCode(t, key, 'short.lived')).toBe('VALID');
      expect((await remove({ keyId, permissions: ['short.lived'] })).body.data).toEqual([]);
      expect(await verifyCode(t, key, 'short.lived')).toBe('INSUFFICIENT_PERMISSIONS');
    });

    it('update_key on that API plus remove_permission_from_key suffice', async () => {
      const { keyId } = await newKey(t, { apiId, permissions: ['a.one', 'a.two'] });
      const rootKey = await t.rootKeyWith([`api.${apiId}.update_key`, 'rbac.*.remove_permission_from_key']);
      expect(slugsOf((await remove({ keyId, permissions: ['a.one'] }, rootKey)).body.data)).toEqual(['a.two']);
    });
  });

  describe('400', () => {
    it('schema violations', async () => {
      const { keyId } = await newKey(t, { apiId, permissions: ['kept'] });
      for (const body of [
        {},
        { keyId },
        { keyId, permissions: [] },
        { keyId, permissions: ['bad slug'] },
        { keyId, permissions: ['kept'], extra: 1 },
      ]) {
        const res = await remove(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.errors.length).toBeGreaterThan(0);
      }
      expect((await getKey(t, keyId)).permissions).toEqual(['kept']);
    });
  });

  describe('403', () => {
    it('without update_key on the API, or without rbac.*.remove_permission_from_key; nothing changes', async () => {
      const { keyId } = await newKey(t, { apiId, permissions: ['kept'] });
      const cases = [
        [['rbac.*.remove_permission_from_key'], `api.${apiId}.update_key`],
        [['api.*.update_key', 'rbac.*.add_permission_to_key'], 'rbac.*.remove_permission_from_key'],
      ] as const;
      const rootKeys = await Promise.all(cases.map(([permissions]) => t.rootKeyWith([...permissions])));
      const records = await auditCount(t);
      for (const [i, [, missing]] of cases.entries()) {
        const res = await remove({ keyId, permissions: ['kept'] }, rootKeys[i]);
        expect(res.status).toBe(403);
        expect(res.body.error.type).toBe(INSUFFICIENT);
        expect(res.body.error.detail).toContain(missing);
      }
      expect(await auditCount(t)).toBe(records);
      expect((await getKey(t, keyId)).permissions).toEqual(['kept']);
    });
  });

  describe('404', () => {
    it("a slug the workspace lacks (even another workspace's): 404 permission_not_found, and nothing is removed", async () => {
      const { keyId } = await newKey(t, { apiId, permissions: ['kept', 'also.kept'] });
      await newPermission(t, { slug: 'foreign.slug' }, (await t.newWorkspace()).rootKey);
      const records = await auditCount(t);
      for (const unknown of ['no.such.slug', 'foreign.slug']) {
        const res = await remove({ keyId, permissions: ['kept', unknown] });
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe(PERMISSION_NOT_FOUND);
        expect(res.body.error.detail).toBe(`Permission '${unknown}' was not found.`);
      }
      expect((await getKey(t, keyId)).permissions).toEqual(['also.kept', 'kept']);
      expect(await auditCount(t)).toBe(records);
    });

    it("a random key id and another workspace's key answer alike", async () => {
      const { keyId } = await newKey(t, { apiId, permissions: ['kept'] });
      const stranger = await t.newWorkspace();
      await newPermission(t, { slug: 'kept' }, stranger.rootKey);
      const missing = await remove({ keyId: 'key_doesnotexist', permissions: ['kept'] }, stranger.rootKey);
      const foreign = await remove({ keyId, permissions: ['kept'] }, stranger.rootKey);
      expect([missing.status, foreign.status]).toEqual([404, 404]);
      expect(foreign.body.error.detail.replace(keyId, '<id>')).toBe(missing.body.error.detail.replace('key_doesnotexist', '<id>'));
      expect((await getKey(t, keyId)).permissions).toEqual(['kept']);
    });
  });
});
