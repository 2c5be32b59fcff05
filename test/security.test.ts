import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROUTES } from '../src/http/routes/index.js';
import { startTestServer, type TestServer } from './harness.js';
/**
 * The shared security suite: every operation is called with no root key, an unknown root key, a
 * root key lacking its permission, and by another workspace (against the target's object, or in its
 * own workspace when the operation names none). A route without a case here fails the suite, so new
 * routes cannot skip it, and a route exempt from the cross-workspace case must say why.
 */

interface Target {
  apiId: string;
  keyId: string;
  key: string;
  /** The identity the key belongs to. */
  identityId: string;
  /** A rate-limit namespace (`rlns_...`). */
  namespaceId: string;
  /** A permission (`perm_...`) and a role (`role_...`) of the workspace's own RBAC. */
  permissionId: string;
  roleId: string;
  /** A root key (`rk_...`) other than the caller. */
  rootKeyId: string;
  /** A key migration (`mig_...`, sha256_hex). */
  migrationId: string;
  /** A webhook endpoint (`whep_...`) and one of its deliveries (`msg_...`, the key's creation). */
  endpointId: string;
  deliveryId: string;
}

type Denied = 403 | 404 | 'NOT_FOUND';

/**
 * What a root key of another workspace gets:
 * - 404 or 'NOT_FOUND' (a 200 verification): the operation names an object, and another workspace's answers exactly
 *   like an id that exists nowhere;
 * - 'own': the operation names no object of another workspace; it creates or lists in the caller's own, and its
 *   answer shows nothing of the other workspace (whose objects are there to be leaked);
 * - { exempt }: there is nothing of a workspace to leak or to change; the reason says why. A test checks that these
 *   are exactly the cases that assert nothing.
 */
type OtherWorkspace = 404 | 'NOT_FOUND' | 'own' | { exempt: string };

interface SecurityCase {
  /** A valid body acting on `target`. */
  body: (target: Target) => unknown;
  /** What a root key without the needed permission gets (upstream masks some as 404 or a 200 NOT_FOUND). */
  withoutPermission: Denied;
  otherWorkspace: OtherWorkspace;
}

const CASES: Record<string, SecurityCase> = {
  'apis.createApi': { body: () => ({ name: 'security api' }), withoutPermission: 403, otherWorkspace: 'own' },
  'apis.getApi': { body: (t) => ({ apiId: t.apiId }), withoutPermission: 403, otherWorkspace: 404 },
  'apis.listApis': { body: () => ({}), withoutPermission: 403, otherWorkspace: 'own' },
  'apis.deleteApi': { body: (t) => ({ apiId: t.apiId }), withoutPermission: 403, otherWorkspace: 404 },
  // With `search` (Keyward's): the filter runs only after the API is found in the caller's workspace and readable.
  'apis.listKeys': { body: (t) => ({ apiId: t.apiId, search: 'a' }), withoutPermission: 404, otherWorkspace: 404 },
  'apiSettings.getSettings': { body: (t) => ({ apiId: t.apiId }), withoutPermission: 403, otherWorkspace: 404 },
  'apiSettings.updateSettings': {
    body: (t) => ({ apiId: t.apiId, deleteProtection: true, storeEncryptedKeys: true }),
    withoutPermission: 403,
    otherWorkspace: 404,
  },
  'keys.createKey': { body: (t) => ({ apiId: t.apiId }), withoutPermission: 404, otherWorkspace: 404 },
  'keys.verifyKey': { body: (t) => ({ key: t.key }), withoutPermission: 'NOT_FOUND', otherWorkspace: 'NOT_FOUND' },
  'keys.getKey': { body: (t) => ({ keyId: t.keyId }), withoutPermission: 403, otherWorkspace: 404 },
  'keys.whoami': { body: (t) => ({ key: t.key }), withoutPermission: 404, otherWorkspace: 404 },
  'keys.updateKey': { body: (t) => ({ keyId: t.keyId, name: 'changed' }), withoutPermission: 403, otherWorkspace: 404 },
  'keys.updateCredits': { body: (t) => ({ keyId: t.keyId, operation: 'set', value: 1 }), withoutPermission: 403, otherWorkspace: 404 },
  'keys.deleteKey': { body: (t) => ({ keyId: t.keyId }), withoutPermission: 403, otherWorkspace: 404 },
  'keys.rerollKey': { body: (t) => ({ keyId: t.keyId, expiration: 0 }), withoutPermission: 403, otherWorkspace: 404 },
  // create_key is checked first (403); then another workspace's API is not found, before its migration is looked up.
  'keys.migrateKeys': {
    body: (t) => ({ migrationId: t.migrationId, apiId: t.apiId, keys: [{ hash: 'a'.repeat(64) }] }),
    withoutPermission: 403,
    otherWorkspace: 404,
  },
  'keyMigrations.createMigration': { body: () => ({ algorithm: 'sha256_hex' }), withoutPermission: 403, otherWorkspace: 'own' },
  'audit.listLogs': { body: () => ({}), withoutPermission: 403, otherWorkspace: 'own' },
  'audit.verifyChain': { body: () => ({}), withoutPermission: 403, otherWorkspace: 'own' },
  // Chart reads naming an API: without read_analytics on it, or in another workspace, the API is not found.
  'analytics.getVerificationTimeseries': {
    body: (t) => ({ start: Date.UTC(2026, 0, 15, 11), end: Date.UTC(2026, 0, 15, 12), interval: 'hour', apiId: t.apiId }),
    withoutPermission: 404,
    otherWorkspace: 404,
  },
  'analytics.getTopKeys': {
    body: (t) => ({ start: Date.UTC(2026, 0, 15, 11), end: Date.UTC(2026, 0, 15, 12), apiId: t.apiId }),
    withoutPermission: 404,
    otherWorkspace: 404,
  },
  'analytics.getTopIdentities': {
    body: (t) => ({ start: Date.UTC(2026, 0, 15, 11), end: Date.UTC(2026, 0, 15, 12), apiId: t.apiId }),
    withoutPermission: 404,
    otherWorkspace: 404,
  },
  'identities.createIdentity': { body: () => ({ externalId: 'security_identity' }), withoutPermission: 403, otherWorkspace: 'own' },
  'identities.getIdentity': { body: (t) => ({ identity: t.identityId }), withoutPermission: 403, otherWorkspace: 404 },
  // The workspace holds identities (every target has one), so the page is not empty and needs read_identity.
  'identities.listIdentities': { body: () => ({}), withoutPermission: 403, otherWorkspace: 'own' },
  'identities.updateIdentity': {
    body: (t) => ({ identity: t.identityId, meta: { changed: true } }),
    withoutPermission: 403,
    otherWorkspace: 404,
  },
  'identities.deleteIdentity': { body: (t) => ({ identity: t.identityId }), withoutPermission: 403, otherWorkspace: 404 },
  // limit and multiLimit look a namespace up by id or name in the caller's workspace only: another workspace's
  // namespace is not there, so the string names a new namespace of the caller's own, like any unused name
  // (checked below: the caller then holds a namespace of that name with an id of its own).
  'ratelimit.limit': {
    body: (t) => ({ namespace: t.namespaceId, identifier: 'security', limit: 1, duration: 1000 }),
    withoutPermission: 403,
    otherWorkspace: 'own',
  },
  'ratelimit.multiLimit': {
    body: (t) => [{ namespace: t.namespaceId, identifier: 'security', limit: 1, duration: 1000 }],
    withoutPermission: 403,
    otherWorkspace: 'own',
  },
  'ratelimit.setOverride': {
    body: (t) => ({ namespace: t.namespaceId, identifier: 'security_*', limit: 1, duration: 1000 }),
    withoutPermission: 403,
    otherWorkspace: 404,
  },
  'ratelimit.getOverride': {
    body: (t) => ({ namespace: t.namespaceId, identifier: 'security' }),
    withoutPermission: 404,
    otherWorkspace: 404,
  },
  'ratelimit.listOverrides': { body: (t) => ({ namespace: t.namespaceId }), withoutPermission: 403, otherWorkspace: 404 },
  'ratelimit.deleteOverride': {
    body: (t) => ({ namespace: t.namespaceId, identifier: 'security' }),
    withoutPermission: 403,
    otherWorkspace: 404,
  },
  'ratelimitNamespaces.listNamespaces': { body: () => ({}), withoutPermission: 403, otherWorkspace: 'own' },
  'ratelimitNamespaces.renameNamespace': {
    body: (t) => ({ namespace: t.namespaceId, name: 'renamed' }),
    withoutPermission: 403,
    otherWorkspace: 404,
  },
  'ratelimitNamespaces.deleteNamespace': { body: (t) => ({ namespace: t.namespaceId }), withoutPermission: 403, otherWorkspace: 404 },
  // Key access: the key is looked up first (another workspace's is not found), then update_key and the rbac actions.
  'keys.addPermissions': { body: (t) => ({ keyId: t.keyId, permissions: ['security.perm'] }), withoutPermission: 403, otherWorkspace: 404 },
  'keys.removePermissions': {
    body: (t) => ({ keyId: t.keyId, permissions: ['security.perm'] }),
    withoutPermission: 403,
    otherWorkspace: 404,
  },
  'keys.setPermissions': { body: (t) => ({ keyId: t.keyId, permissions: [] }), withoutPermission: 403, otherWorkspace: 404 },
  'keys.addRoles': { body: (t) => ({ keyId: t.keyId, roles: ['security_role'] }), withoutPermission: 403, otherWorkspace: 404 },
  'keys.removeRoles': { body: (t) => ({ keyId: t.keyId, roles: ['security_role'] }), withoutPermission: 403, otherWorkspace: 404 },
  'keys.setRoles': { body: (t) => ({ keyId: t.keyId, roles: [] }), withoutPermission: 403, otherWorkspace: 404 },
  // permissions.*: the rbac permission is checked before any lookup; another workspace's permission or role is not found.
  'permissions.createPermission': {
    body: () => ({ name: 'security', slug: 'security.perm' }),
    withoutPermission: 403,
    otherWorkspace: 'own',
  },
  'permissions.getPermission': { body: (t) => ({ permission: t.permissionId }), withoutPermission: 403, otherWorkspace: 404 },
  'permissions.listPermissions': { body: () => ({}), withoutPermission: 403, otherWorkspace: 'own' },
  'permissions.deletePermission': { body: (t) => ({ permission: t.permissionId }), withoutPermission: 403, otherWorkspace: 404 },
  'permissions.createRole': {
    body: () => ({ name: 'security_role', permissions: ['security.perm'] }),
    withoutPermission: 403,
    otherWorkspace: 'own',
  },
  'permissions.getRole': { body: (t) => ({ role: t.roleId }), withoutPermission: 403, otherWorkspace: 404 },
  'permissions.listRoles': { body: () => ({}), withoutPermission: 403, otherWorkspace: 'own' },
  'permissions.deleteRole': { body: (t) => ({ role: t.roleId }), withoutPermission: 403, otherWorkspace: 404 },
  'permissions.setRolePermissions': {
    body: (t) => ({ roleId: t.roleId, permissions: ['security.perm'] }),
    withoutPermission: 403,
    otherWorkspace: 404,
  },
  // rootKeys.*: the rootkey permission is checked before any lookup; another workspace's root key is not found.
  'rootKeys.createRootKey': {
    body: () => ({ name: 'security', permissions: ['api.*.read_api'] }),
    withoutPermission: 403,
    otherWorkspace: 'own',
  },
  'rootKeys.listRootKeys': { body: () => ({}), withoutPermission: 403, otherWorkspace: 'own' },
  'rootKeys.updateRootKey': { body: (t) => ({ rootKeyId: t.rootKeyId, name: 'changed' }), withoutPermission: 403, otherWorkspace: 404 },
  'rootKeys.revokeRootKey': { body: (t) => ({ rootKeyId: t.rootKeyId }), withoutPermission: 403, otherWorkspace: 404 },
  'rootKeys.rerollRootKey': { body: (t) => ({ rootKeyId: t.rootKeyId, expiration: 0 }), withoutPermission: 403, otherWorkspace: 404 },
  // The target's analytics rows are in the store (beforeAll): another workspace's query must not see them.
  'analytics.getVerifications': {
    body: () => ({ query: 'SELECT workspace_id, key_space_id, key_id, count(*) AS n FROM key_verifications_v1 GROUP BY 1, 2, 3' }),
    withoutPermission: 403,
    otherWorkspace: 'own',
  },
  'analytics.getRatelimits': {
    body: () => ({ query: 'SELECT workspace_id, namespace_id, identifier, count(*) AS n FROM ratelimits_v1 GROUP BY 1, 2, 3' }),
    withoutPermission: 403,
    otherWorkspace: 'own',
  },
  // webhooks.*: the webhook permission is checked before any lookup; another workspace's endpoint or delivery is not found.
  'webhooks.createEndpoint': { body: () => ({ url: 'https://hooks.example.com/security' }), withoutPermission: 403, otherWorkspace: 'own' },
  'webhooks.listEndpoints': { body: () => ({}), withoutPermission: 403, otherWorkspace: 'own' },
  'webhooks.updateEndpoint': { body: (t) => ({ endpointId: t.endpointId, enabled: false }), withoutPermission: 403, otherWorkspace: 404 },
  'webhooks.deleteEndpoint': { body: (t) => ({ endpointId: t.endpointId }), withoutPermission: 403, otherWorkspace: 404 },
  'webhooks.listDeliveries': { body: (t) => ({ endpointId: t.endpointId }), withoutPermission: 403, otherWorkspace: 404 },
  'webhooks.redeliver': { body: (t) => ({ deliveryId: t.deliveryId }), withoutPermission: 403, otherWorkspace: 404 },
  'rootKeys.listPermissions': {
    body: () => ({}),
    withoutPermission: 403,
    otherWorkspace: {
      exempt: 'it serves the fixed catalogue of permissions Keyward knows: no workspace holds anything it reads or writes',
    },
  },
};

let t: TestServer;
let target: Target;
let stranger: { workspaceId: string; rootKey: string };
let unprivileged: string;

/** Every change writes an audit record, so an unchanged count means nothing changed. */
const auditCount = async (workspaceId: string) => (await t.server.store.listAudit({ workspaceId, limit: 100_000 })).length;

let targets = 0;
async function newTarget(rootKey: string): Promise<Target> {
  // Made first, so the key created below queues a delivery to it.
  const endpoint = await t.call(
    'webhooks.createEndpoint',
    { url: 'https://hooks.example.com/target', eventTypes: ['key.created'] },
    { rootKey },
  );
  const api = await t.call('apis.createApi', { name: 'target api' }, { rootKey });
  // The key belongs to the identity, so the key's before/after comparison also sees any change to the identity.
  const externalId = `target_${++targets}`;
  const identity = await t.call('identities.createIdentity', { externalId }, { rootKey });
  const key = await t.call(
    'keys.createKey',
    { apiId: api.body.data.apiId, name: 'target', credits: { remaining: 5 }, externalId },
    { rootKey },
  );
  // Namespaces are made by limiting against a new name (cost 0 counts nothing); the answer has no id, the store does.
  const namespace = `target_${targets}`;
  await t.call('ratelimit.limit', { namespace, identifier: 'target', limit: 1, duration: 1000, cost: 0 }, { rootKey });
  const namespaceId = (await t.server.store.findRatelimitNamespace(t.workspaceId, namespace))!.id;
  const permission = await t.call('permissions.createPermission', { name: 'target', slug: `target.perm.${targets}` }, { rootKey });
  const role = await t.call('permissions.createRole', { name: `target_role_${targets}` }, { rootKey });
  const managed = await t.call('rootKeys.createRootKey', { name: 'target', permissions: ['api.*.read_api'] }, { rootKey });
  const migration = await t.call('keyMigrations.createMigration', { algorithm: 'sha256_hex' }, { rootKey });
  return {
    apiId: api.body.data.apiId,
    keyId: key.body.data.keyId,
    key: key.body.data.key,
    identityId: identity.body.data.identityId,
    namespaceId,
    permissionId: permission.body.data.permissionId,
    roleId: role.body.data.roleId,
    rootKeyId: managed.body.data.rootKeyId,
    migrationId: migration.body.data.migrationId,
    endpointId: endpoint.body.data.endpointId,
    deliveryId: (await t.call('webhooks.listDeliveries', { endpointId: endpoint.body.data.endpointId }, { rootKey })).body.data[0].id,
  };
}

beforeAll(async () => {
  t = await startTestServer();
  target = await newTarget(t.rootKey);
  const now = t.clock.now();
  // One event of each kind for the target, so the analytics routes have the caller's rows to answer with.
  await t.server.analytics.write({
    verifications: [
      {
        time: now,
        requestId: 'req_target',
        workspaceId: t.workspaceId,
        keySpaceId: target.apiId,
        keyId: target.keyId,
        identityId: target.identityId,
        externalId: 'target_1',
        outcome: 'VALID',
        tags: ['target_'],
        spentCredits: 1,
        latency: 1,
        region: 'node',
      },
    ],
    ratelimits: [
      {
        time: now,
        requestId: 'req_target',
        workspaceId: t.workspaceId,
        namespaceId: target.namespaceId,
        identifier: 'target_identifier',
        passed: true,
        latency: 1,
        overrideId: '',
        region: 'node',
      },
    ],
  });
  stranger = await t.newWorkspace();
  // A well-formed permission that no operation accepts: no resource is called `none`.
  unprivileged = await t.rootKeyWith(['audit.none.read_audit_log']);
});
afterAll(async () => {
  await t.close();
});

describe('every route has a security case', () => {
  it('lists exactly the registered operations', () => {
    expect(Object.keys(CASES).sort()).toEqual(ROUTES.map((r) => r.operation).sort());
  });
});

describe.each(ROUTES.map((r) => r.operation))('%s', (operation) => {
  const spec = () => CASES[operation]!;

  it('400 without an Authorization header', async () => {
    const res = await t.call(operation, spec().body(target), { rootKey: null });
    expect(res.status).toBe(400);
    expect(res.body.error.errors).toEqual([]);
  });

  it('401 with an unknown root key', async () => {
    const res = await t.call(operation, spec().body(target), { rootKey: 'kw_root_unknown123456789' });
    expect(res.status).toBe(401);
    expect(res.body.error.type).toMatch(/authentication\/key_not_found$/);
  });

  it('is refused to a root key without the permission, and changes nothing', async () => {
    const own = await newTarget(t.rootKey);
    const before = await t.call('keys.getKey', { keyId: own.keyId });
    const records = await auditCount(t.workspaceId);
    const res = await t.call(operation, spec().body(own), { rootKey: unprivileged });
    const expected = spec().withoutPermission;
    if (expected === 'NOT_FOUND') {
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({ valid: false, code: 'NOT_FOUND' });
    } else {
      expect(res.status).toBe(expected);
    }
    const after = await t.call('keys.getKey', { keyId: own.keyId });
    expect(after.body.data).toEqual(before.body.data);
    expect((await t.call('apis.getApi', { apiId: own.apiId })).status).toBe(200);
    expect(await auditCount(t.workspaceId)).toBe(records);
  });

  it("answers another workspace's object exactly as a missing one, and changes nothing", async () => {
    try {
      const expected = spec().otherWorkspace;
      if (typeof expected === 'object') return;
      if (expected === 'own') await actsOnItsOwnWorkspace(operation);
      else await answersAsMissing(operation, expected);
    } finally {
      crossWorkspaceAssertions.set(operation, expect.getState().assertionCalls);
    }
  });
});

/** How many assertions each route's cross-workspace case made; the exemption check below reads it. */
const crossWorkspaceAssertions = new Map<string, number>();

/** The ids of the target workspace's objects. */
const targetIds = () => [
  target.apiId,
  target.keyId,
  target.identityId,
  target.namespaceId,
  target.permissionId,
  target.roleId,
  target.rootKeyId,
  target.migrationId,
  target.endpointId,
  target.deliveryId,
];

/** The target's own ids and names: none may reach another workspace's answer. */
const targetMarks = () => [t.workspaceId, ...targetIds(), 'target_', 'target.perm.', 'target api'];

/**
 * An operation naming no object of another workspace: it succeeds in the caller's own and shows and touches nothing of
 * the target's. Each call comes from a workspace of its own, so what one case creates there (limit's namespace named
 * like the target's id) cannot change another case's answer.
 */
async function actsOnItsOwnWorkspace(operation: string): Promise<void> {
  const caller = await t.newWorkspace();
  const before = await t.call('keys.getKey', { keyId: target.keyId });
  const records = await auditCount(t.workspaceId);
  const body = CASES[operation]!.body(target);
  const res = await t.call(operation, body, { rootKey: caller.rootKey });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  // What the caller sent may come back (limit echoes its namespace name); nothing else of the target may.
  const answer = JSON.stringify(res.body);
  for (const mark of targetMarks().filter((mark) => !JSON.stringify(body).includes(mark))) expect(answer).not.toContain(mark);
  if (operation === 'ratelimit.limit' || operation === 'ratelimit.multiLimit') {
    // The target's namespace id was taken as the name of a new namespace of the caller's own.
    const own = await t.server.store.findRatelimitNamespace(caller.workspaceId, target.namespaceId);
    expect(own?.workspaceId).toBe(caller.workspaceId);
    expect(own?.name).toBe(target.namespaceId);
    expect(own?.id).not.toBe(target.namespaceId);
  }
  const after = await t.call('keys.getKey', { keyId: target.keyId });
  expect(after.body.data).toEqual(before.body.data);
  expect(await auditCount(t.workspaceId)).toBe(records);
}

/** An operation naming an object: another workspace's answers exactly like one that exists nowhere, and is left unchanged. */
async function answersAsMissing(operation: string, expected: 404 | 'NOT_FOUND'): Promise<void> {
  const spec = () => CASES[operation]!;
  const before = await t.call('keys.getKey', { keyId: target.keyId });
  const records = await auditCount(t.workspaceId);
  const res = await t.call(operation, spec().body(target), { rootKey: stranger.rootKey });
  const missing = await t.call(
    operation,
    spec().body({
      apiId: 'api_0000000000doesnotexist',
      keyId: 'key_0000000000doesnotexist',
      key: 'sk_doesnotexist00000000000',
      identityId: 'id_0000000000doesnotexist',
      namespaceId: 'rlns_0000000000doesnotexist',
      permissionId: 'perm_0000000000doesnotexist',
      roleId: 'role_0000000000doesnotexist',
      rootKeyId: 'rk_0000000000doesnotexist',
      migrationId: 'mig_0000000000doesnotexist',
      endpointId: 'whep_0000000000doesnotexist',
      deliveryId: 'msg_0000000000doesnotexist',
    }),
    { rootKey: stranger.rootKey },
  );
  if (expected === 'NOT_FOUND') {
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ valid: false, code: 'NOT_FOUND' });
  } else {
    expect(res.status).toBe(404);
  }
  // Same answer as for an id that exists nowhere, apart from the request id and the echoed id.
  const normalise = (body: any, ids: string[]) =>
    JSON.parse(ids.reduce((text, id) => text.replaceAll(id, '<id>'), JSON.stringify({ ...body, meta: undefined })));
  expect(normalise(res.body, targetIds())).toEqual(
    normalise(missing.body, [
      'api_0000000000doesnotexist',
      'key_0000000000doesnotexist',
      'id_0000000000doesnotexist',
      'rlns_0000000000doesnotexist',
      'perm_0000000000doesnotexist',
      'role_0000000000doesnotexist',
      'rk_0000000000doesnotexist',
      'mig_0000000000doesnotexist',
      'whep_0000000000doesnotexist',
      'msg_0000000000doesnotexist',
    ]),
  );
  const after = await t.call('keys.getKey', { keyId: target.keyId });
  expect(after.body.data).toEqual(before.body.data);
  expect(await auditCount(t.workspaceId)).toBe(records);
}

describe('cross-workspace exemptions', () => {
  it('every exemption has a reason, and the exempt routes are exactly those whose cross-workspace case asserts nothing', () => {
    const exempt = Object.entries(CASES).flatMap(([operation, spec]) =>
      typeof spec.otherWorkspace === 'object' ? [[operation, spec.otherWorkspace.exempt]] : [],
    );
    for (const [operation, reason] of exempt) expect(reason!.trim().length, operation).toBeGreaterThan(30);
    // Every route's case ran (this test runs after them), so an exemption cannot hide a case that never ran.
    expect([...crossWorkspaceAssertions.keys()].sort()).toEqual(ROUTES.map((r) => r.operation).sort());
    const silent = [...crossWorkspaceAssertions].filter(([, assertions]) => assertions === 0).map(([operation]) => operation);
    expect(silent.sort()).toEqual(exempt.map(([operation]) => operation).sort());
  });
});
