import type { TestServer } from './harness.js';

/** Small builders shared by the permission, role and key-access route tests. */

let created = 0;
const unique = (stem: string) => `${stem}_${process.pid}_${++created}`;

export const INSUFFICIENT = 'https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions';
export const PERMISSION_NOT_FOUND = 'https://unkey.com/docs/errors/unkey/data/permission_not_found';
export const ROLE_NOT_FOUND = 'https://unkey.com/docs/errors/unkey/data/role_not_found';

/** A fresh permission (a unique slug, named after it, unless given). */
export async function newPermission(
  t: TestServer,
  body: { slug?: string; name?: string; description?: string } = {},
  rootKey = t.rootKey,
): Promise<{ permissionId: string; slug: string }> {
  const slug = body.slug ?? unique('perm.fixture');
  const res = await t.call('permissions.createPermission', { name: slug, ...body, slug }, { rootKey });
  if (res.status !== 200) throw new Error(`createPermission answered ${res.status}: ${JSON.stringify(res.body.error)}`);
  return { permissionId: res.body.data.permissionId, slug };
}

/** A fresh role (a unique name unless given) holding `permissions` (slugs, created when missing). */
export async function newRole(
  t: TestServer,
  body: { name?: string; description?: string; permissions?: string[] } = {},
  rootKey = t.rootKey,
): Promise<{ roleId: string; name: string }> {
  const name = body.name ?? unique('role_fixture');
  const res = await t.call('permissions.createRole', { ...body, name }, { rootKey });
  if (res.status !== 200) throw new Error(`createRole answered ${res.status}: ${JSON.stringify(res.body.error)}`);
  return { roleId: res.body.data.roleId, name };
}

/** The verify outcome of `key` against a permissions query. */
export async function verifyCode(t: TestServer, key: string, permissions: string): Promise<string> {
  return (await t.call('keys.verifyKey', { key, permissions })).body.data.code;
}

/** Slugs of a Permission[] answer, in the order given. */
export const slugsOf = (permissions: Array<{ slug: string }>) => permissions.map((p) => p.slug);

/** The role ids the key's first `key.update_roles` audit record names, after the key and its API, sorted. */
export async function auditedRoleIds(t: TestServer, keyId: string): Promise<string[]> {
  const [record] = await t.server.store.listAudit({
    workspaceId: t.workspaceId,
    resourceId: keyId,
    events: ['key.update_roles'],
    limit: 10,
  });
  return record!.resources
    .slice(2)
    .map((r) => r.id)
    .sort();
}
