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

const add = caller(t, 'keys.addPermissions');
const exists = async (slug: string) => (await t.call('permissions.getPermission', { permission: slug })).status === 200;

describe('keys.addPermissions', () => {
  describe('200', () => {
    it("adds to what the key has (creating missing slugs); answers the key's direct permissions only, as Permission objects by slug", async () => {
      const described = await newPermission(t, { slug: 'docs.read', name: 'Read docs', description: 'reads' });
      const { name } = await newRole(t, { permissions: ['via.role'] });
      const { keyId } = await newKey(t, { apiId, permissions: ['already.held'], roles: [name] });
      const res = await add({ keyId, permissions: ['docs.read', 'brand.new', 'already.held', 'brand.new'] });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual([
        { id: expect.stringMatching(/^perm_/), name: 'already.held', slug: 'already.held' },
        { id: expect.stringMatching(/^perm_/), name: 'brand.new', slug: 'brand.new' },
        { id: described.permissionId, name: 'Read docs', slug: 'docs.read', description: 'reads' },
      ]);
      expect(await getKey(t, keyId)).toMatchObject({
        permissions: ['already.held', 'brand.new', 'docs.read', 'via.role'],
        updatedAt: t.clock.now(),
      });
    });

    it('is idempotent, and audits each change with the key, its API and the permissions named', async () => {
      const { keyId } = await newKey(t, { apiId, name: 'audited' });
      const first = await add({ keyId, permissions: ['idem.one'] });
      const again = await add({ keyId, permissions: ['idem.one'] });
      expect(again.body.data).toEqual(first.body.data);
      const records = await t.server.store.listAudit({
        workspaceId: t.workspaceId,
        resourceId: keyId,
        events: ['key.update_permissions'],
        limit: 10,
      });
      expect(records).toHaveLength(2);
      expect(records[0]!.description).toContain('created idem.one');
      expect(records[1]!.resources).toEqual([
        { type: 'key', id: keyId, name: 'audited' },
        { type: 'api', id: apiId },
        { type: 'permission', id: first.body.data[0].id, name: 'idem.one' },
      ]);
    });

    it('verifyKey sees the new permission on the very next request', async () => {
      const { key, keyId } = await newKey(t, { apiId });
      expect(await verifyCode(t, key, 'late.grant')).toBe('INSUFFICIENT_PERMISSIONS');
      await add({ keyId, permissions: ['late.grant'] });
      expect(await verifyCode(t, key, 'late.grant')).toBe('VALID');
    });

    it('update_key on that API plus add_permission_to_key suffice for existing slugs', async () => {
      const { slug } = await newPermission(t);
      const { keyId } = await newKey(t, { apiId });
      const rootKey = await t.rootKeyWith([`api.${apiId}.update_key`, 'rbac.*.add_permission_to_key']);
      expect(slugsOf((await add({ keyId, permissions: [slug] }, rootKey)).body.data)).toEqual([slug]);
    });
  });

  describe('400', () => {
    it('schema violations', async () => {
      const { keyId } = await newKey(t, { apiId });
      await expectSchemaErrors(add, [
        {},
        { keyId },
        { permissions: ['a'] },
        { keyId, permissions: [] },
        { keyId, permissions: ['bad slug'] },
        { keyId, permissions: ['p'.repeat(129)] },
        { keyId, permissions: Array.from({ length: 1001 }, (_, i) => `p.${i}`) },
        { keyId: 'ab', permissions: ['a'] },
        { keyId, permissions: ['a'], extra: 1 },
      ]);
      expect(await getKey(t, keyId)).not.toHaveProperty('permissions');
    });
  });

  describe('403', () => {
    it('each missing permission of the AND is refused; nothing changes and no permission is created', async () => {
      const { keyId } = await newKey(t, { apiId, permissions: ['unchanged'] });
      const cases = [
        [['rbac.*.add_permission_to_key', 'rbac.*.create_permission'], `api.${apiId}.update_key`],
        [['api.other_api.update_key', 'rbac.*.add_permission_to_key', 'rbac.*.create_permission'], `api.${apiId}.update_key`],
        [['api.*.update_key', 'rbac.*.create_permission'], 'rbac.*.add_permission_to_key'],
        [['api.*.update_key', 'rbac.*.add_permission_to_key'], 'rbac.*.create_permission'],
      ] as const;
      const rootKeys = await Promise.all(cases.map(([permissions]) => t.rootKeyWith([...permissions])));
      const records = await auditCount(t);
      for (const [i, [, missing]] of cases.entries()) {
        const res = await add({ keyId, permissions: ['never.made'] }, rootKeys[i]);
        expect(res.status).toBe(403);
        expect(res.body.error.type).toBe(INSUFFICIENT);
        expect(res.body.error.detail).toContain(missing);
      }
      expect(await auditCount(t)).toBe(records);
      expect((await getKey(t, keyId)).permissions).toEqual(['unchanged']);
      expect(await exists('never.made')).toBe(false);
    });
  });

  describe('404', () => {
    it("a random key id and another workspace's key answer alike; nothing is created", async () => {
      const { keyId } = await newKey(t, { apiId });
      const stranger = await t.newWorkspace();
      const missing = await add({ keyId: 'key_doesnotexist', permissions: ['never.made'] }, stranger.rootKey);
      const foreign = await add({ keyId, permissions: ['never.made'] }, stranger.rootKey);
      expect(missing.status).toBe(404);
      expect(foreign.status).toBe(404);
      expect(foreign.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/key_not_found');
      const strip = (body: any, id: string) => ({ ...body.error, detail: body.error.detail.replace(id, '<id>') });
      expect(strip(foreign.body, keyId)).toEqual(strip(missing.body, 'key_doesnotexist'));
      expect(await getKey(t, keyId)).not.toHaveProperty('permissions');
      const strangerSees = await t.call('permissions.getPermission', { permission: 'never.made' }, { rootKey: stranger.rootKey });
      expect(strangerSees.status).toBe(404);
    });
  });
});
