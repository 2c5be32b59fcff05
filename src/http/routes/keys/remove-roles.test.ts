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

const remove = caller(t, 'keys.removeRoles');
const names = (res: { body: any }) => res.body.data.map((r: { name: string }) => r.name);

describe('keys.removeRoles', () => {
  describe('200', () => {
    it("removes the roles (ignoring ones the key lacks); answers the key's roles; audits it; verify sees it at once", async () => {
      const kept = await newRole(t, { permissions: ['from.kept'] });
      const dropped = await newRole(t, { permissions: ['from.dropped'] });
      const unheld = await newRole(t);
      const { keyId, key } = await newKey(t, { apiId, roles: [kept.name, dropped.name] });
      expect(await verifyCode(t, key, 'from.dropped')).toBe('VALID');
      const res = await remove({ keyId, roles: [dropped.name, unheld.name] });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([{ id: kept.roleId, name: kept.name, permissions: [expect.objectContaining({ slug: 'from.kept' })] }]);
      expect(await verifyCode(t, key, 'from.dropped')).toBe('INSUFFICIENT_PERMISSIONS');
      expect(await getKey(t, keyId)).toMatchObject({ roles: [kept.name], permissions: ['from.kept'] });
      expect(await auditedRoleIds(t, keyId)).toEqual([dropped.roleId, unheld.roleId].sort());
    });

    it('update_key on that API alone suffices (as upstream), and removing the last role answers []', async () => {
      const { name } = await newRole(t);
      const { keyId } = await newKey(t, { apiId, roles: [name] });
      const res = await remove({ keyId, roles: [name] }, await t.rootKeyWith([`api.${apiId}.update_key`]));
      expect(res.status).toBe(200);
      expect(names(res)).toEqual([]);
      expect(await getKey(t, keyId)).not.toHaveProperty('roles');
    });
  });

  describe('400', () => {
    it('schema violations', async () => {
      const { keyId } = await newKey(t, { apiId });
      await expectSchemaErrors(remove, [
        {},
        { keyId },
        { keyId, roles: [] },
        { keyId, roles: [''] },
        { keyId, roles: Array.from({ length: 101 }, (_, i) => `r${i}`) },
        { keyId, roles: ['r'], x: 1 },
      ]);
    });
  });

  describe('403', () => {
    it("without update_key on the key's API; nothing changes", async () => {
      const { name } = await newRole(t);
      const { keyId } = await newKey(t, { apiId, roles: [name] });
      const rootKey = await t.rootKeyWith(['rbac.*.remove_role_from_key', 'api.other_api.update_key']);
      const records = await auditCount(t);
      const res = await remove({ keyId, roles: [name] }, rootKey);
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe(INSUFFICIENT);
      expect(res.body.error.detail).toContain(`api.${apiId}.update_key`);
      expect(await auditCount(t)).toBe(records);
      expect((await getKey(t, keyId)).roles).toEqual([name]);
    });
  });

  describe('404', () => {
    it('an unknown role: 404 role_not_found, and nothing is removed', async () => {
      const { name } = await newRole(t);
      const { keyId } = await newKey(t, { apiId, roles: [name] });
      const records = await auditCount(t);
      const res = await remove({ keyId, roles: [name, 'no_such_role'] });
      expect(res.status).toBe(404);
      expect(res.body.error.type).toBe(ROLE_NOT_FOUND);
      expect(res.body.error.detail).toBe("Role 'no_such_role' was not found.");
      expect(await auditCount(t)).toBe(records);
      expect((await getKey(t, keyId)).roles).toEqual([name]);
    });

    it("a random key id and another workspace's key answer alike", async () => {
      const { name } = await newRole(t);
      const { keyId } = await newKey(t, { apiId, roles: [name] });
      const stranger = await t.newWorkspace();
      await newRole(t, { name }, stranger.rootKey);
      const missing = await remove({ keyId: 'key_doesnotexist', roles: [name] }, stranger.rootKey);
      const foreign = await remove({ keyId, roles: [name] }, stranger.rootKey);
      expect([missing.status, foreign.status]).toEqual([404, 404]);
      expect(foreign.body.error.detail.replace(keyId, '<id>')).toBe(missing.body.error.detail.replace('key_doesnotexist', '<id>'));
      expect((await getKey(t, keyId)).roles).toEqual([name]);
    });
  });
});
