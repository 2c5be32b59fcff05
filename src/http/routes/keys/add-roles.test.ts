import { beforeAll, describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, getKey, newApi, newKey } from '../../../../test/key-fixtures.js';
import { INSUFFICIENT, ROLE_NOT_FOUND, newRole, verifyCode } from '../../../../test/rbac-fixtures.js';
import { expectSchemaErrors } from '../../../../test/schema-errors.js';

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  apiId = await newApi(t);
});

const add = caller(t, 'keys.addRoles');

describe('keys.addRoles', () => {
  describe('200', () => {
    it("adds to the key's roles; answers all its roles by name, each with its permissions; idempotent; audited", async () => {
      const held = await newRole(t, { name: 'held' });
      const added = await newRole(t, { name: 'added', description: 'new one', permissions: ['z.perm', 'a.perm'] });
      const { keyId } = await newKey(t, { apiId, roles: ['held'] });
      const res = await add({ keyId, roles: ['added', 'held', 'added'] });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([
        {
          id: added.roleId,
          name: 'added',
          description: 'new one',
          permissions: [
            { id: expect.stringMatching(/^perm_/), name: 'a.perm', slug: 'a.perm' },
            { id: expect.stringMatching(/^perm_/), name: 'z.perm', slug: 'z.perm' },
          ],
        },
        { id: held.roleId, name: 'held', permissions: [] },
      ]);
      expect((await add({ keyId, roles: ['added'] })).body.data).toEqual(res.body.data);
      expect(await getKey(t, keyId)).toMatchObject({ roles: ['added', 'held'], permissions: ['a.perm', 'z.perm'] });
      const records = await t.server.store.listAudit({
        workspaceId: t.workspaceId,
        resourceId: keyId,
        events: ['key.update_roles'],
        limit: 10,
      });
      expect(records).toHaveLength(2);
      expect(records[0]!.resources).toEqual([
        { type: 'key', id: keyId },
        { type: 'api', id: apiId },
        { type: 'role', id: added.roleId, name: 'added' },
        { type: 'role', id: held.roleId, name: 'held' },
      ]);
    });

    it("verifyKey sees the role's permissions on the very next request", async () => {
      const { name } = await newRole(t, { permissions: ['granted.by.role'] });
      const { keyId, key } = await newKey(t, { apiId });
      expect(await verifyCode(t, key, 'granted.by.role')).toBe('INSUFFICIENT_PERMISSIONS');
      await add({ keyId, roles: [name] });
      expect(await verifyCode(t, key, 'granted.by.role')).toBe('VALID');
    });

    it('update_key on that API plus add_role_to_key suffice', async () => {
      const { name } = await newRole(t);
      const { keyId } = await newKey(t, { apiId });
      const rootKey = await t.rootKeyWith([`api.${apiId}.update_key`, 'rbac.*.add_role_to_key']);
      expect((await add({ keyId, roles: [name] }, rootKey)).body.data.map((r: { name: string }) => r.name)).toEqual([name]);
    });
  });

  describe('400', () => {
    it('schema violations', async () => {
      const { keyId } = await newKey(t, { apiId });
      await expectSchemaErrors(add, [
        {},
        { keyId },
        { keyId, roles: [] },
        { keyId, roles: [''] },
        { keyId, roles: ['r'.repeat(129)] },
        { keyId, roles: Array.from({ length: 101 }, (_, i) => `r${i}`) },
        { keyId: 'ab', roles: ['r'] },
        { keyId, roles: ['r'], extra: 1 },
      ]);
    });
  });

  describe('403', () => {
    it('without update_key on the API, or without rbac.*.add_role_to_key; nothing changes', async () => {
      const { name } = await newRole(t);
      const { keyId } = await newKey(t, { apiId });
      const cases = [
        [['rbac.*.add_role_to_key', 'api.other_api.update_key'], `api.${apiId}.update_key`],
        [['api.*.update_key', 'rbac.*.remove_role_from_key'], 'rbac.*.add_role_to_key'],
      ] as const;
      const rootKeys = await Promise.all(cases.map(([permissions]) => t.rootKeyWith([...permissions])));
      const records = await auditCount(t);
      for (const [i, [, missing]] of cases.entries()) {
        const res = await add({ keyId, roles: [name] }, rootKeys[i]);
        expect(res.status).toBe(403);
        expect(res.body.error.type).toBe(INSUFFICIENT);
        expect(res.body.error.detail).toContain(missing);
      }
      expect(await auditCount(t)).toBe(records);
      expect(await getKey(t, keyId)).not.toHaveProperty('roles');
    });
  });

  describe('404', () => {
    it("an unknown role (or another workspace's): 404 role_not_found, and no role is added", async () => {
      const { name } = await newRole(t);
      const foreign = await newRole(t, {}, (await t.newWorkspace()).rootKey);
      const { keyId } = await newKey(t, { apiId });
      const records = await auditCount(t);
      for (const unknown of ['no_such_role', foreign.name]) {
        const res = await add({ keyId, roles: [name, unknown] });
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe(ROLE_NOT_FOUND);
        expect(res.body.error.detail).toBe(`Role '${unknown}' was not found.`);
      }
      expect(await auditCount(t)).toBe(records);
      expect(await getKey(t, keyId)).not.toHaveProperty('roles');
    });

    it("a random key id and another workspace's key answer alike", async () => {
      const { keyId } = await newKey(t, { apiId });
      const stranger = await t.newWorkspace();
      const { name } = await newRole(t, {}, stranger.rootKey);
      const missing = await add({ keyId: 'key_doesnotexist', roles: [name] }, stranger.rootKey);
      const foreign = await add({ keyId, roles: [name] }, stranger.rootKey);
      expect([missing.status, foreign.status]).toEqual([404, 404]);
      expect(foreign.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/key_not_found');
      expect(foreign.body.error.detail.replace(keyId, '<id>')).toBe(missing.body.error.detail.replace('key_doesnotexist', '<id>'));
    });
  });
});
