import { beforeAll, describe, expect, it } from 'vitest';
import { auditCount, getKey, newApi, newKey } from '../key-fixtures.js';
import { foreign, newMigration } from '../migration-fixtures.js';
import { caller, useTestServer } from '../per-file-server.js';
import { INSUFFICIENT, newPermission, newRole } from '../rbac-fixtures.js';

/**
 * Issue 11, finding 3: a root key holding only `create_key` / `update_key` was refused by keys.addPermissions and
 * keys.addRoles, yet gave keys any permission or role (and created new permission slugs) through keys.createKey,
 * keys.updateKey and keys.migrateKeys. Now each of them needs what addPermissions / addRoles need whenever
 * `permissions` or `roles` is given, plus `rbac.*.create_permission` for a slug that does not exist yet.
 */

const t = useTestServer();
const createKey = caller(t, 'keys.createKey');
const updateKey = caller(t, 'keys.updateKey');
const migrateKeys = caller(t, 'keys.migrateKeys');

const ADD_PERMISSION = 'rbac.*.add_permission_to_key';
const ADD_ROLE = 'rbac.*.add_role_to_key';
const CREATE_PERMISSION = 'rbac.*.create_permission';

let apiId: string;
let migrationId: string;
/** A permission and a role that exist, and a key that holds neither. */
let existingSlug: string;
let roleName: string;
let keyId: string;
let fresh = 0;
/** A slug no permission has yet, different on every call. */
const freshSlug = () => `attack.fresh_${++fresh}`;

beforeAll(async () => {
  apiId = await newApi(t);
  migrationId = await newMigration(t, 'sha256_hex');
  existingSlug = (await newPermission(t, { slug: 'attack.existing' })).slug;
  roleName = (await newRole(t, { name: 'attack_admin', permissions: ['attack.via_role'] })).name;
  keyId = (await newKey(t, { apiId, name: 'target' })).keyId;
});

const U = (resource: string, action: string) => `unkey:v1:${t.workspaceId}:${resource}#${action}`;

/** Every form of the operation's own permission, none with an rbac permission. */
const holdersOf = (action: 'create_key' | 'update_key'): [string, string[]][] => [
  ['the per-API tuple', [`api.${apiId}.${action}`]],
  ['the wildcard tuple', [`api.*.${action}`]],
  ['the URN', [U(action === 'create_key' ? `keyspaces/${apiId}` : `keyspaces/${apiId}/keys/*`, action)]],
  ['the URN of everything', [U('**', '*')]],
];

/** What the attacker asks for, and the permission the refusal names. */
const grants = (): [string, Record<string, unknown>, string][] => [
  ['an existing permission', { permissions: [existingSlug] }, ADD_PERMISSION],
  ['a permission that does not exist yet', { permissions: [freshSlug()] }, ADD_PERMISSION],
  ['a role', { roles: [roleName] }, ADD_ROLE],
  ['an empty list of permissions', { permissions: [] }, ADD_PERMISSION],
];

const keysOfApi = async () => (await t.call('apis.listKeys', { apiId, limit: 100 })).body.data.map((k: any) => k.keyId).sort();
const slugs = async () =>
  (await t.call('permissions.listPermissions', { limit: 100 })).body.data.map((p: any) => p.slug).sort() as string[];

/** Everything an accepted call could have changed. */
async function snapshot() {
  return { audit: await auditCount(t), keys: await keysOfApi(), slugs: await slugs(), target: await getKey(t, keyId) };
}

/** Calls `send` for every holder form and grant: each answers 403 naming `missing`, and nothing changes at all. */
async function expectRefusedForEveryForm(
  action: 'create_key' | 'update_key',
  send: (grant: Record<string, unknown>, rootKey: string) => ReturnType<typeof createKey>,
) {
  const holders = await Promise.all(
    holdersOf(action).map(async ([form, permissions]): Promise<[string, string]> => [form, await t.rootKeyWith(permissions)]),
  );
  const before = await snapshot(); // after making the root keys, which are audited
  for (const [form, rootKey] of holders) {
    for (const [what, grant, missing] of grants()) {
      const res = await send(grant, rootKey);
      expect({ form, what, status: res.status, type: res.body.error?.type }).toEqual({ form, what, status: 403, type: INSUFFICIENT });
      expect(res.body.error.detail).toBe(`Missing permission: '${missing}'`);
    }
  }
  expect(await snapshot()).toEqual(before);
}

describe('attack: give a key permissions or roles with only create_key / update_key', () => {
  it('keys.addPermissions and keys.addRoles refuse such a root key, URN forms included (the baseline)', async () => {
    for (const [, permissions] of holdersOf('update_key')) {
      const rootKey = await t.rootKeyWith(permissions);
      const perms = await t.call('keys.addPermissions', { keyId, permissions: [existingSlug] }, { rootKey });
      const roles = await t.call('keys.addRoles', { keyId, roles: [roleName] }, { rootKey });
      expect([perms.status, perms.body.error.detail]).toEqual([403, `Missing permission: '${ADD_PERMISSION}'`]);
      expect([roles.status, roles.body.error.detail]).toEqual([403, `Missing permission: '${ADD_ROLE}'`]);
    }
  });

  it('keys.setRoles, which can add roles, needs add_role_to_key too; removing roles still needs update_key alone', async () => {
    for (const [form, permissions] of holdersOf('update_key')) {
      const rootKey = await t.rootKeyWith(permissions);
      const before = await snapshot();
      const res = await t.call('keys.setRoles', { keyId, roles: [roleName] }, { rootKey });
      expect({ form, status: res.status, detail: res.body.error?.detail }).toEqual({
        form,
        status: 403,
        detail: `Missing permission: '${ADD_ROLE}'`,
      });
      expect(await snapshot()).toEqual(before);
      expect((await t.call('keys.removeRoles', { keyId, roles: [roleName] }, { rootKey })).status).toBe(200);
    }
  });

  it('keys.createKey answers 403: no key, no permission, no audit record', async () => {
    await expectRefusedForEveryForm('create_key', (grant, rootKey) => createKey({ apiId, name: 'attacker', ...grant }, rootKey));
  });

  it('keys.updateKey answers 403: the key keeps what it had, no permission, no audit record', async () => {
    await expectRefusedForEveryForm('update_key', (grant, rootKey) => updateKey({ keyId, name: 'attacker', ...grant }, rootKey));
  });

  it('keys.migrateKeys answers 403 when any entry asks: nothing imported, no permission, no audit record', async () => {
    await expectRefusedForEveryForm('create_key', (grant, rootKey) =>
      migrateKeys(
        { migrationId, apiId, keys: [{ hash: foreign('sha256_hex').hash }, { hash: foreign('sha256_hex').hash, ...grant }] },
        rootKey,
      ),
    );
  });

  it("the refusal is addPermissions' own error, byte for byte", async () => {
    const rootKey = await t.rootKeyWith(['api.*.create_key', 'api.*.update_key']);
    const reference = await t.call('keys.addPermissions', { keyId, permissions: [existingSlug] }, { rootKey });
    const hash = foreign('sha256_hex').hash;
    for (const res of [
      await createKey({ apiId, permissions: [existingSlug] }, rootKey),
      await updateKey({ keyId, permissions: [existingSlug] }, rootKey),
      await migrateKeys({ migrationId, apiId, keys: [{ hash, permissions: [existingSlug] }] }, rootKey),
    ]) {
      expect(res.status).toBe(403);
      expect(res.body.error).toEqual(reference.body.error);
    }
  });
});

describe('attack: create new permission slugs through a key', () => {
  const creators: [string, (slug: string, rootKey: string) => ReturnType<typeof createKey>, string][] = [
    ['keys.createKey', (slug, rootKey) => createKey({ apiId, permissions: [existingSlug, slug] }, rootKey), 'create_key'],
    ['keys.updateKey', (slug, rootKey) => updateKey({ keyId, permissions: [slug] }, rootKey), 'update_key'],
    [
      'keys.migrateKeys',
      (slug, rootKey) => migrateKeys({ migrationId, apiId, keys: [{ hash: foreign('sha256_hex').hash, permissions: [slug] }] }, rootKey),
      'create_key',
    ],
  ];

  for (const [operation, send, action] of creators) {
    it(`${operation} with add_permission_to_key but without create_permission answers 403 and creates nothing`, async () => {
      const rootKey = await t.rootKeyWith([`api.*.${action}`, ADD_PERMISSION, ADD_ROLE]);
      const before = await snapshot();
      const res = await send(freshSlug(), rootKey);
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe(INSUFFICIENT);
      expect(res.body.error.detail).toBe(`Missing permission: '${CREATE_PERMISSION}'`);
      expect(await snapshot()).toEqual(before);
    });
  }
});

describe('defence: the permissions addPermissions / addRoles need are enough', () => {
  it('keys.createKey: create_key & add_permission_to_key (& create_permission for a new slug) & add_role_to_key', async () => {
    const slug = freshSlug();
    const rootKey = await t.rootKeyWith([`api.${apiId}.create_key`, ADD_PERMISSION, CREATE_PERMISSION, ADD_ROLE]);
    const res = await createKey({ apiId, permissions: [existingSlug, slug], roles: [roleName] }, rootKey);
    expect(res.status).toBe(200);
    expect(await getKey(t, res.body.data.keyId)).toMatchObject({
      permissions: ['attack.existing', 'attack.via_role', slug].sort(),
      roles: [roleName],
    });
    const [record] = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: res.body.data.keyId, limit: 1 });
    expect(record!.description).toContain(`(created ${slug})`);
  });

  it('keys.updateKey: update_key & add_permission_to_key for existing slugs, with a URN update_key too', async () => {
    const { keyId } = await newKey(t, { apiId });
    const rootKey = await t.rootKeyWith([U(`keyspaces/${apiId}/keys/*`, 'update_key'), ADD_PERMISSION, ADD_ROLE]);
    expect((await updateKey({ keyId, permissions: [existingSlug], roles: [roleName] }, rootKey)).status).toBe(200);
    expect(await getKey(t, keyId)).toMatchObject({ permissions: ['attack.existing', 'attack.via_role'], roles: [roleName] });
  });

  it('keys.migrateKeys: create_key & add_permission_to_key & create_permission & add_role_to_key', async () => {
    const slug = freshSlug();
    const rootKey = await t.rootKeyWith([`api.${apiId}.create_key`, ADD_PERMISSION, CREATE_PERMISSION, ADD_ROLE]);
    const res = await migrateKeys(
      { migrationId, apiId, keys: [{ hash: foreign('sha256_hex').hash, permissions: [slug], roles: [roleName] }] },
      rootKey,
    );
    expect(res.status).toBe(200);
    expect(await getKey(t, res.body.data.migrated[0].keyId)).toMatchObject({
      permissions: ['attack.via_role', slug].sort(),
      roles: [roleName],
    });
  });

  it('fields other than permissions and roles still need only create_key / update_key', async () => {
    const creator = await t.rootKeyWith([`api.${apiId}.create_key`]);
    const updater = await t.rootKeyWith([`api.${apiId}.update_key`]);
    const created = await createKey({ apiId, name: 'plain', meta: { a: 1 } }, creator);
    expect(created.status).toBe(200);
    expect((await updateKey({ keyId: created.body.data.keyId, name: 'renamed' }, updater)).status).toBe(200);
    const imported = await migrateKeys({ migrationId, apiId, keys: [{ hash: foreign('sha256_hex').hash, name: 'plain' }] }, creator);
    expect(imported.status).toBe(200);
  });
});
