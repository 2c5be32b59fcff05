/**
 * Root-key permissions in the two forms upstream accepts (docs/unkey-compatibility.md, "Tuple permissions", "URN permissions"):
 *
 * - tuples `<resourceType>.<resourceId|*>.<action>`, matched by exact string equality. `*` is a literal that
 *   checks accept beside the specific id (eitherScope), never a glob, so `api.*.*` grants nothing;
 * - URNs `unkey:v1:<workspaceId>:<resourcePath>#<action>`: a path segment may be `*` (exactly one segment) or,
 *   last only, `**` (one or more segments); the action may be `*` only on the resource `**`.
 *
 * A check is a Requirement, an "any of" list of tuples and URN requirements, decided by `satisfies`.
 */

/** The `*` form and the specific-id form of one action; holding either is enough. */
export function eitherScope(resourceType: string, resourceId: string, action: string): string[] {
  return [`${resourceType}.*.${action}`, `${resourceType}.${resourceId}.${action}`];
}

/** A URN alternative of a check, in the caller's workspace (which `satisfies` supplies). */
export interface UrnRequirement {
  readonly resource: string;
  readonly action: string;
}

/** Alternatives, any one of which is enough: tuple strings and URN requirements. */
export type Requirement = readonly (string | UrnRequirement)[];

export const urn = (resource: string, action: string): UrnRequirement => ({ resource, action });

const URN_PREFIX = 'unkey:v1:';
const WORKSPACE_ID = /^[A-Za-z0-9_]+$/;
const LITERAL_SEGMENT = /^[A-Za-z0-9_.-]+$/;
/** A word that cannot be confused with a separator or a wildcard, as upstream. */
const URN_ACTION = /^[A-Za-z0-9](?:[A-Za-z0-9_]*[A-Za-z0-9])?$/;

interface UrnPattern {
  workspaceId: string;
  segments: readonly string[];
  action: string;
}

/** The segments of a resource path, or why it is not one. */
function parsePath(path: string): readonly string[] | string {
  const segments = path.split('/');
  for (const [i, segment] of segments.entries()) {
    if (segment === '*') continue;
    if (segment === '**') {
      if (i !== segments.length - 1) return '`**` may only be the last path segment';
      continue;
    }
    if (segment === '') return 'the resource path has an empty segment';
    if (!LITERAL_SEGMENT.test(segment)) {
      return `path segment '${segment}' may hold only letters, digits, '_', '.' and '-', or be exactly '*' or '**'`;
    }
  }
  return segments;
}

/** A URN permission, or why `text` is not a well-formed one. */
function parseUrn(text: string): { urn: UrnPattern } | { problem: string } {
  if (!text.startsWith(URN_PREFIX)) return { problem: `a URN permission starts with '${URN_PREFIX}'` };
  const rest = text.slice(URN_PREFIX.length);
  const colon = rest.indexOf(':');
  const hash = rest.indexOf('#');
  if (colon < 0 || hash < colon || hash !== rest.lastIndexOf('#')) {
    return { problem: "expected 'unkey:v1:<workspaceId>:<resourcePath>#<action>' with exactly one '#'" };
  }
  const workspaceId = rest.slice(0, colon);
  if (!WORKSPACE_ID.test(workspaceId)) return { problem: 'the workspace id is empty or malformed' };
  const path = rest.slice(colon + 1, hash);
  const segments = parsePath(path);
  if (typeof segments === 'string') return { problem: segments };
  const action = rest.slice(hash + 1);
  if (action === '*') {
    if (path !== '**') return { problem: "the action '*' is allowed only on the resource '**'" };
  } else if (!URN_ACTION.test(action)) {
    return { problem: `action '${action}' may hold only letters, digits and inner '_', or be exactly '*'` };
  }
  return { urn: { workspaceId, segments, action } };
}

/**
 * Whether the path pattern `granted` matches every path the pattern `required` matches. Concrete paths are
 * patterns without wildcards, so this decides checks, and it also decides whether one grant contains another
 * (a `*` covers a literal or `*`, but not `**`, which can match deeper paths).
 */
function pathCovers(granted: readonly string[], required: readonly string[]): boolean {
  for (let i = 0; i < granted.length; i++) {
    const g = granted[i]!;
    if (g === '**') return i < required.length;
    const r = required[i];
    if (r === undefined || r === '**') return false;
    if (g !== '*' && g !== r) return false;
  }
  return granted.length === required.length;
}

const covers = (granted: UrnPattern, workspaceId: string, segments: readonly string[], action: string): boolean =>
  granted.workspaceId === workspaceId && (granted.action === '*' || granted.action === action) && pathCovers(granted.segments, segments);

/**
 * The URN grants of a permission set, parsed once per set: a root key's set is built once per cache entry and
 * never changed, so this costs one pass per root key, not per request. Malformed URNs grant nothing (upstream).
 */
const urnGrantsBySet = new WeakMap<ReadonlySet<string>, readonly UrnPattern[]>();

function urnGrants(granted: ReadonlySet<string>): readonly UrnPattern[] {
  let grants = urnGrantsBySet.get(granted);
  if (!grants) {
    const parsed: UrnPattern[] = [];
    for (const permission of granted) {
      if (!permission.startsWith(URN_PREFIX)) continue;
      const result = parseUrn(permission);
      if ('urn' in result) parsed.push(result.urn);
    }
    grants = parsed;
    urnGrantsBySet.set(granted, grants);
  }
  return grants;
}

/** Whether a URN in `granted` covers `resource#action` in `workspaceId`; false at once for a set holding no URN. */
export function grantsUrn(granted: ReadonlySet<string>, workspaceId: string, resource: string, action: string): boolean {
  const grants = urnGrants(granted);
  if (grants.length === 0) return false;
  const segments = parsePath(resource);
  if (typeof segments === 'string') return false;
  return grants.some((grant) => covers(grant, workspaceId, segments, action));
}

/** Whether `granted` meets any one alternative of `anyOf`: a tuple held exactly, or a URN requirement a URN grant covers. */
export function satisfies(granted: ReadonlySet<string>, workspaceId: string, anyOf: Requirement): boolean {
  // Set lookups first: most root keys hold only tuples, and for them URN alternatives cost one WeakMap lookup.
  for (const alternative of anyOf) if (typeof alternative === 'string' && granted.has(alternative)) return true;
  for (const alternative of anyOf) {
    if (typeof alternative !== 'string' && grantsUrn(granted, workspaceId, alternative.resource, alternative.action)) return true;
  }
  return false;
}

/** An alternative as a permission string, for error messages. */
export function permissionText(workspaceId: string, alternative: string | UrnRequirement): string {
  return typeof alternative === 'string' ? alternative : `${URN_PREFIX}${workspaceId}:${alternative.resource}#${alternative.action}`;
}

// ---- The requirements of the checks that accept URN alternatives (docs/unkey-compatibility.md, "Permission requirements") ----

/** Keyward has no keyspaces apart from APIs: a URN names an API's keyspace by the API id. */
export const keyResource = (apiId: string, keyId: string): string => `keyspaces/${apiId}/keys/${keyId}`;

/**
 * An action on a key of an API: the API-wide or per-API tuple, or a URN on the key (by default `*`, every key
 * of the API). `create_key` concerns no existing key, so its URN names the keyspace, as upstream.
 */
export function keyScope(apiId: string, action: string, keyId = '*'): Requirement {
  const resource = action === 'create_key' ? `keyspaces/${apiId}` : keyResource(apiId, keyId);
  return [...eitherScope('api', apiId, action), urn(resource, action)];
}

/** Reading an API as listKeys does: `read_api`, or `read_keyspace` on its keyspace. */
export const readApiScope = (apiId: string): Requirement => [
  ...eitherScope('api', apiId, 'read_api'),
  urn(`keyspaces/${apiId}`, 'read_keyspace'),
];

/**
 * An identity action: the `*` tuple (or, for reads of one identity, its own tuple), or the URN upstream's
 * handlers require, which spans every project and identity (Keyward has no projects).
 */
export function identityScope(action: string, identityId?: string): Requirement {
  const tuples = identityId === undefined ? [`identity.*.${action}`] : eitherScope('identity', identityId, action);
  return [...tuples, urn('projects/*/identities/*', action)];
}

/** Reading overrides of a namespace; `overrideId` `*` stands for every override in it. */
export const readOverrideScope = (namespaceId: string, overrideId: string): Requirement => [
  ...eitherScope('ratelimit', namespaceId, 'read_override'),
  urn(`ratelimits/namespaces/${namespaceId}/overrides/${overrideId}`, 'read_override'),
];

// ---- The catalogue: every permission Keyward knows ----

interface Action {
  /** What the `*` form allows, as one line. */
  allows: string;
  /** Whether some check accepts the per-resource form `<type>.<id>.<action>` beside the `*` form. */
  perResource?: true;
}

interface TupleType {
  /** What a per-resource permission names, and the prefix of such ids (`api` for `api_...`). */
  resource?: { noun: string; idPrefix: string };
  actions: Record<string, Action>;
}

const ONE = { perResource: true } as const;

const TUPLE_TYPES: Record<string, TupleType> = {
  api: {
    resource: { noun: 'API', idPrefix: 'api' },
    actions: {
      create_api: { allows: 'Create APIs (apis.createApi).' },
      read_api: { allows: 'Read APIs and their settings (apis.getApi, apiSettings.getSettings); with read_key, list their keys.', ...ONE },
      update_api: { allows: 'Change API settings such as delete protection (apiSettings.updateSettings).', ...ONE },
      delete_api: { allows: 'Delete APIs (apis.deleteApi).', ...ONE },
      create_key: {
        allows:
          'Create, reroll and import keys (keys.createKey, keys.rerollKey, keys.migrateKeys; `*` only: keyMigrations.createMigration).',
        ...ONE,
      },
      read_key: { allows: 'Read keys (keys.getKey, keys.whoami); with read_api, list them (apis.listKeys).', ...ONE },
      update_key: { allows: 'Change keys and their credits (keys.updateKey, keys.updateCredits).', ...ONE },
      delete_key: { allows: 'Delete keys (keys.deleteKey).', ...ONE },
      verify_key: { allows: 'Verify keys (keys.verifyKey); without it every key verifies as NOT_FOUND.', ...ONE },
      encrypt_key: { allows: 'Create recoverable keys (keys.createKey with recoverable: true).', ...ONE },
      decrypt_key: { allows: 'Read the plaintext of recoverable keys (decrypt: true).', ...ONE },
      read_analytics: { allows: 'Read verification analytics.', ...ONE },
    },
  },
  ratelimit: {
    resource: { noun: 'rate-limit namespace', idPrefix: 'rlns' },
    actions: {
      limit: { allows: 'Apply rate limits (ratelimit.limit, ratelimit.multiLimit).', ...ONE },
      create_namespace: { allows: 'Create namespaces, which limiting against a new name does (with ratelimit.*.limit).' },
      read_namespace: { allows: 'List namespaces (ratelimitNamespaces.listNamespaces).' },
      update_namespace: { allows: 'Rename namespaces (ratelimitNamespaces.renameNamespace).', ...ONE },
      delete_namespace: { allows: 'Delete namespaces (ratelimitNamespaces.deleteNamespace).', ...ONE },
      set_override: { allows: 'Create and change overrides (ratelimit.setOverride).', ...ONE },
      read_override: { allows: 'Read overrides (ratelimit.getOverride, ratelimit.listOverrides).', ...ONE },
      delete_override: { allows: 'Delete overrides (ratelimit.deleteOverride).', ...ONE },
      read_analytics: { allows: 'Read rate-limit analytics.', ...ONE },
    },
  },
  rbac: {
    actions: {
      create_permission: { allows: 'Create permissions for your keys (permissions.createPermission, and slugs created on the fly).' },
      read_permission: { allows: 'Read permissions (permissions.getPermission, permissions.listPermissions).' },
      update_permission: { allows: 'Change permissions.' },
      delete_permission: { allows: 'Delete permissions (permissions.deletePermission).' },
      create_role: { allows: 'Create roles (permissions.createRole).' },
      read_role: { allows: 'Read roles (permissions.getRole, permissions.listRoles).' },
      update_role: { allows: 'Change roles.' },
      delete_role: { allows: 'Delete roles (permissions.deleteRole).' },
      add_permission_to_key: {
        allows:
          "Give keys permissions: keys.addPermissions (with the key's update_key), and `permissions` in keys.createKey, keys.updateKey, keys.migrateKeys.",
      },
      remove_permission_from_key: { allows: "Remove permissions from keys (with the key's update_key)." },
      add_role_to_key: {
        allows:
          "Give keys roles: keys.addRoles (with the key's update_key), and `roles` in keys.createKey, keys.updateKey, keys.migrateKeys.",
      },
      remove_role_from_key: { allows: "Remove roles from keys (with the key's update_key)." },
      add_permission_to_role: { allows: 'Add permissions to roles.' },
      remove_permission_from_role: { allows: 'Remove permissions from roles.' },
    },
  },
  identity: {
    resource: { noun: 'identity', idPrefix: 'id' },
    actions: {
      create_identity: { allows: 'Create identities (identities.createIdentity).' },
      read_identity: { allows: 'Read identities (identities.getIdentity, identities.listIdentities).', ...ONE },
      update_identity: { allows: 'Change identities (identities.updateIdentity).' },
      delete_identity: { allows: 'Delete identities (identities.deleteIdentity).' },
    },
  },
  // Keyward-only: reading the audit log is its own permission, so auditors need nothing else.
  audit: { actions: { read_audit_log: { allows: 'Read the audit log (audit.listLogs) and check its chain (audit.verifyChain).' } } },
  // Keyward-only: managing root keys; no root key can grant more than it holds, whatever it holds here.
  rootkey: {
    actions: {
      create_root_key: { allows: 'Create root keys holding only permissions the caller holds itself (rootKeys.createRootKey).' },
      read_root_key: {
        allows: 'List root keys, never their secrets, and this catalogue (rootKeys.listRootKeys, rootKeys.listPermissions).',
      },
      update_root_key: { allows: "Rename root keys and replace their permissions, within the caller's own (rootKeys.updateRootKey)." },
      delete_root_key: { allows: 'Revoke root keys (rootKeys.revokeRootKey).' },
    },
  },
  // Keyward-only: webhook endpoints and their deliveries (docs/decisions/0019-webhooks-from-the-audit-write.md).
  webhook: {
    actions: {
      create_webhook: { allows: 'Create webhook endpoints; the signing secret is in that answer only (webhooks.createEndpoint).' },
      read_webhook: {
        allows: 'List webhook endpoints, never their secrets, and their deliveries (webhooks.listEndpoints, webhooks.listDeliveries).',
      },
      update_webhook: { allows: 'Change webhook endpoints and send a delivery again (webhooks.updateEndpoint, webhooks.redeliver).' },
      delete_webhook: { allows: 'Delete webhook endpoints and their deliveries (webhooks.deleteEndpoint).' },
    },
  },
};

/** The URN permissions some check accepts, with placeholders in angle brackets. */
const URN_FORMS: readonly [string, string][] = [
  ['keyspaces/<apiId>#create_key', 'Create and reroll keys in one API (a keyspace is named by its API id).'],
  ['keyspaces/<apiId>#read_keyspace', "With read_key on its keys, list an API's keys (apis.listKeys)."],
  ...['read_key', 'update_key', 'delete_key', 'verify_key'].map((action): [string, string] => [
    `keyspaces/<apiId>/keys/<keyId>#${action}`,
    `As api.*.${action}, for one key; 'keys/*' for every key of the API.`,
  ]),
  ...['create_identity', 'read_identity', 'update_identity', 'delete_identity'].map((action): [string, string] => [
    `projects/*/identities/*#${action}`,
    `As identity.*.${action} (upstream's identity checks require this exact wildcard path).`,
  ]),
  [
    'ratelimits/namespaces/<namespaceId>/overrides/<overrideId>#read_override',
    "Read one override ('overrides/*': every override of the namespace).",
  ],
  ['**#*', 'Every URN permission above on every resource of the workspace (not the checks that accept only tuples).'],
];

export interface CatalogueEntry {
  permission: string;
  description: string;
}

export const PERMISSION_CATALOGUE: readonly CatalogueEntry[] = [
  ...Object.entries(TUPLE_TYPES).flatMap(([type, { resource, actions }]) =>
    Object.entries(actions).flatMap(([action, { allows, perResource }]) => [
      { permission: `${type}.*.${action}`, description: allows },
      ...(perResource && resource
        ? [
            {
              permission: `${type}.<${resource.idPrefix}Id>.${action}`,
              description: `As ${type}.*.${action}, for one ${resource.noun} only.`,
            },
          ]
        : []),
    ]),
  ),
  ...URN_FORMS.map(([path, description]) => ({ permission: `${URN_PREFIX}<workspaceId>:${path}`, description })),
];

/** Every tuple `*` permission: what `keyward bootstrap` grants the first root key. */
export const ALL_WILDCARD_PERMISSIONS: readonly string[] = Object.entries(TUPLE_TYPES).flatMap(([type, { actions }]) =>
  Object.keys(actions).map((action) => `${type}.*.${action}`),
);

/** Why `permission` is not one a root key of `workspaceId` can hold, or undefined if it can. */
export function permissionProblem(permission: string, workspaceId: string): string | undefined {
  if (permission.startsWith('unkey:')) {
    const parsed = parseUrn(permission);
    if ('problem' in parsed) return parsed.problem;
    // Root keys act in one workspace; a URN for another would never match, and must not be stored as if it did.
    if (parsed.urn.workspaceId !== workspaceId) return `the URN names workspace '${parsed.urn.workspaceId}', not this root key's workspace`;
    return undefined;
  }
  const parts = permission.split('.');
  if (parts.length !== 3) return "expected '<resourceType>.<resourceId|*>.<action>', or a URN 'unkey:v1:...'";
  const [type, id, action] = parts as [string, string, string];
  const known = Object.hasOwn(TUPLE_TYPES, type) ? TUPLE_TYPES[type]! : undefined;
  if (!known) return `unknown resource type '${type}' (known: ${Object.keys(TUPLE_TYPES).join(', ')})`;
  const spec = Object.hasOwn(known.actions, action) ? known.actions[action]! : undefined;
  if (!spec) return `unknown action '${action}' for '${type}'`;
  if (id === '*') return undefined;
  if (!spec.perResource || !known.resource) return `'${action}' exists only as '${type}.*.${action}'`;
  const prefix = known.resource.idPrefix;
  if (!new RegExp(`^${prefix}_[A-Za-z0-9_]+$`).test(id)) return `'${id}' is not ${known.resource.noun} id ('${prefix}_...') or '*'`;
  return undefined;
}

/**
 * What a granter must hold to grant `permission` without exceeding itself: a tuple, the tuple itself or, for
 * a per-resource tuple, its `*` form (every check accepting one accepts the other, eitherScope); a URN, a
 * URN grant that covers it as a pattern. A tuple never covers a URN nor a URN a tuple: they reach different checks.
 */
function grantRequirement(permission: string, workspaceId: string): Requirement | undefined {
  if (permission.startsWith(URN_PREFIX)) {
    const parsed = parseUrn(permission);
    if ('problem' in parsed || parsed.urn.workspaceId !== workspaceId) return undefined;
    return [urn(parsed.urn.segments.join('/'), parsed.urn.action)];
  }
  const [type, id, action] = permission.split('.');
  return id === '*' || action === undefined ? [permission] : [`${type}.*.${action}`, permission];
}

/** The first of `requested` that a holder of `granted` may not grant (docs/decisions/0009-root-keys-without-escalation.md), or undefined if it may grant all. */
export function firstUngrantable(granted: ReadonlySet<string>, workspaceId: string, requested: readonly string[]): string | undefined {
  return requested.find((permission) => {
    const requirement = grantRequirement(permission, workspaceId);
    return requirement === undefined || !satisfies(granted, workspaceId, requirement);
  });
}
