import { beforeAll, describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, getKey, newApi, newKey } from '../../../../test/key-fixtures.js';
import { INSUFFICIENT, newPermission, newRole, slugsOf, verifyCode } from '../../../../test/rbac-fixtures.js';
import { expectSchemaErrors } from '../../../../test/schema-errors.js';

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  apiId = await newApi(t);
});

const set = caller(t, 'keys.setPermissions');

describe('keys.setPermissions', () => {
  describe('200', () => {
    it('replaces the direct permissions exactly (creating missing slugs); role permissions are untouched and not in the answer', async () => {
      const { name } = await newRole(t, { permissions: ['via.role'] });
      const { keyId, key } = await newKey(t, { apiId, permissions: ['old.one', 'both'], roles: [name] });
      const res = await set({ keyId, permissions: ['both', 'new.one'] });
      expect(res.status).toBe(200);
      expect(slugsOf(res.body.data)).toEqual(['both', 'new.one']);
      expect((await getKey(t, keyId)).permissions).toEqual(['both', 'new.one', 'via.role']);
      expect(await verifyCode(t, key, 'old.one')).toBe('INSUFFICIENT_PERMISSIONS');
      expect(await verifyCode(t, key, 'new.one AND via.role')).toBe('VALID');
      const [record] = await t.server.store.listAudit({
        workspaceId: t.workspaceId,
        resourceId: keyId,
        events: ['key.update_permissions'],
        limit: 10,
      });
      expect(record!.description).toContain('created new.one');
      // Both sides: what the key lost and what it holds now.
      expect(record!.resources.slice(2).map((r) => r.name)).toEqual(['both', 'new.one', 'old.one']);
    });

    it('[] clears them', async () => {
      const { keyId } = await newKey(t, { apiId, permissions: ['gone.one', 'gone.two'] });
      expect((await set({ keyId, permissions: [] })).body.data).toEqual([]);
      expect(await getKey(t, keyId)).not.toHaveProperty('permissions');
    });

    it('update_key on that API plus add_ and remove_permission_from_key suffice for existing slugs', async () => {
      const { slug } = await newPermission(t);
      const { keyId } = await newKey(t, { apiId, permissions: ['replaced'] });
      const rootKey = await t.rootKeyWith([`api.${apiId}.update_key`, 'rbac.*.add_permission_to_key', 'rbac.*.remove_permission_from_key']);
      expect(slugsOf((await set({ keyId, permissions: [slug] }, rootKey)).body.data)).toEqual([slug]);
    });
  });

  describe('400', () => {
    it('schema violations', async () => {
      const { keyId } = await newKey(t, { apiId, permissions: ['kept'] });
      await expectSchemaErrors(set, [
        {},
        { keyId },
        { keyId, permissions: null },
        { keyId, permissions: ['bad slug'] },
        { keyId, permissions: Array.from({ length: 1001 }, (_, i) => `p.${i}`) },
        { keyId, permissions: [], extra: 1 },
      ]);
      expect((await getKey(t, keyId)).permissions).toEqual(['kept']);
    });
  });

  describe('403', () => {
    it('each missing permission of the AND is refused; nothing changes and no permission is created', async () => {
      const { keyId } = await newKey(t, { apiId, permissions: ['kept'] });
      const cases = [
        [['rbac.*.add_permission_to_key', 'rbac.*.remove_permission_from_key', 'rbac.*.create_permission'], `api.${apiId}.update_key`],
        [['api.*.update_key', 'rbac.*.remove_permission_from_key', 'rbac.*.create_permission'], 'rbac.*.add_permission_to_key'],
        [['api.*.update_key', 'rbac.*.add_permission_to_key', 'rbac.*.create_permission'], 'rbac.*.remove_permission_from_key'],
        [['api.*.update_key', 'rbac.*.add_permission_to_key', 'rbac.*.remove_permission_from_key'], 'rbac.*.create_permission'],
      ] as const;
      const rootKeys = await Promise.all(cases.map(([permissions]) => t.rootKeyWith([...permissions])));
      const records = await auditCount(t);
      for (const [i, [, missing]] of cases.entries()) {
        const res = await set({ keyId, permissions: ['never.made'] }, rootKeys[i]);
        expect(res.status).toBe(403);
        expect(res.body.error.type).toBe(INSUFFICIENT);
        expect(res.body.error.detail).toContain(missing);
      }
      expect(await auditCount(t)).toBe(records);
      expect((await getKey(t, keyId)).permissions).toEqual(['kept']);
      expect((await t.call('permissions.getPermission', { permission: 'never.made' })).status).toBe(404);
    });
  });

  describe('404', () => {
    it("a random key id and another workspace's key answer alike", async () => {
      const { keyId } = await newKey(t, { apiId, permissions: ['kept'] });
      const stranger = await t.newWorkspace();
      const missing = await set({ keyId: 'key_doesnotexist', permissions: [] }, stranger.rootKey);
      const foreign = await set({ keyId, permissions: [] }, stranger.rootKey);
      expect([missing.status, foreign.status]).toEqual([404, 404]);
      expect(foreign.body.error.detail.replace(keyId, '<id>')).toBe(missing.body.error.detail.replace('key_doesnotexist', '<id>'));
      expect((await getKey(t, keyId)).permissions).toEqual(['kept']);
    });
  });
});
