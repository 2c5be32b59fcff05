import type { TestServer } from '../harness.js';
import type { Pools } from './arbitraries.js';

let seeded = 0;

/**
 * Fresh objects in the test server's workspace (an API, a key with credits, limits, a permission and a role, an
 * identity, a rate-limit namespace with an override, a key migration, a root key to update or revoke), and the pools
 * that let valid bodies name them by the fields the contract calls them by. The server's own root key is in no pool,
 * so no body can revoke it or narrow its permissions.
 */
export async function seedWorkspace(t: TestServer): Promise<Pools> {
  const n = `${process.pid}_${++seeded}`;
  const call = async (operation: string, body: unknown) => {
    const res = await t.call(operation, body);
    if (res.status !== 200) throw new Error(`seeding: ${operation} answered ${res.status}: ${JSON.stringify(res.body)}`);
    return res.body.data;
  };
  const { apiId } = await call('apis.createApi', { name: `fuzz-api-${n}` });
  const externalId = `fuzz_user_${n}`;
  const { identityId } = await call('identities.createIdentity', {
    externalId,
    ratelimits: [{ name: 'fuzz_identity_limit', limit: 10, duration: 60_000, autoApply: false }],
  });
  const slug = `fuzz.read.${n}`;
  const { permissionId } = await call('permissions.createPermission', { name: slug, slug });
  const roleName = `fuzz_role_${n}`;
  const { roleId } = await call('permissions.createRole', { name: roleName, permissions: [slug] });
  const { keyId, key } = await call('keys.createKey', {
    apiId,
    externalId,
    meta: { plan: 'fuzz' },
    permissions: [slug],
    roles: [roleName],
    credits: { remaining: 1000, refill: { interval: 'daily', amount: 1000 } },
    ratelimits: [{ name: 'fuzz_key_limit', limit: 100, duration: 60_000, autoApply: true }],
  });
  const namespace = `fuzz_ns_${n}`;
  const identifier = `fuzz_identifier_${n}`;
  await call('ratelimit.limit', { namespace, identifier, limit: 10, duration: 60_000 });
  await call('ratelimit.setOverride', { namespace, identifier, limit: 5, duration: 60_000 });
  const namespaces = await call('ratelimitNamespaces.listNamespaces', { limit: 100 });
  const namespaceId = (namespaces as { id: string; name: string }[]).find((ns) => ns.name === namespace)!.id;
  const { migrationId } = await call('keyMigrations.createMigration', { algorithm: 'sha256_hex' });
  const { rootKeyId } = await call('rootKeys.createRootKey', { name: `fuzz-root-${n}`, permissions: ['api.*.read_api'] });
  return {
    apiId: [apiId],
    keyId: [keyId],
    key: [key],
    identity: [identityId, externalId],
    externalId: [externalId],
    permission: [permissionId, slug],
    permissions: [slug, 'api.*.read_api'],
    roles: [roleName],
    role: [roleId, roleName],
    roleId: [roleId],
    namespace: [namespace, namespaceId],
    identifier: [identifier, '*'],
    migrationId: [migrationId],
    rootKeyId: [rootKeyId],
    resourceId: [keyId, apiId, identityId],
    events: ['key.create', 'api.create'],
  };
}
