/**
 * Root-key permissions in Unkey's tuple form `<resourceType>.<resourceId|*>.<action>`.
 * Matching is exact string equality: `*` is a literal that handlers accept beside the specific id,
 * never a glob (so `api.*.*` grants nothing), exactly as upstream.
 */

/** The `*` form and the specific-id form of one action; holding either is enough. */
export function eitherScope(resourceType: string, resourceId: string, action: string): string[] {
  return [`${resourceType}.*.${action}`, `${resourceType}.${resourceId}.${action}`];
}

export function holdsAny(granted: ReadonlySet<string>, anyOf: readonly string[]): boolean {
  for (const permission of anyOf) if (granted.has(permission)) return true;
  return false;
}

const API_ACTIONS = [
  'create_api', 'read_api', 'update_api', 'delete_api',
  'create_key', 'read_key', 'update_key', 'delete_key', 'verify_key',
  'encrypt_key', 'decrypt_key', 'read_analytics',
] as const;
const RATELIMIT_ACTIONS = [
  'limit', 'create_namespace', 'read_namespace', 'update_namespace', 'delete_namespace',
  'set_override', 'read_override', 'delete_override', 'read_analytics',
] as const;
const RBAC_ACTIONS = [
  'create_permission', 'read_permission', 'update_permission', 'delete_permission',
  'create_role', 'read_role', 'update_role', 'delete_role',
  'add_permission_to_key', 'remove_permission_from_key', 'add_role_to_key', 'remove_role_from_key',
  'add_permission_to_role', 'remove_permission_from_role',
] as const;
const IDENTITY_ACTIONS = ['create_identity', 'read_identity', 'update_identity', 'delete_identity'] as const;
/** Keyward-only: reading the audit log is its own permission so auditors need nothing else. */
const AUDIT_ACTIONS = ['read_audit_log'] as const;

/** Every wildcard permission Keyward knows: what `keyward bootstrap` grants the first root key. */
export const ALL_WILDCARD_PERMISSIONS: readonly string[] = [
  ...API_ACTIONS.map((a) => `api.*.${a}`),
  ...RATELIMIT_ACTIONS.map((a) => `ratelimit.*.${a}`),
  ...RBAC_ACTIONS.map((a) => `rbac.*.${a}`),
  ...IDENTITY_ACTIONS.map((a) => `identity.*.${a}`),
  ...AUDIT_ACTIONS.map((a) => `audit.*.${a}`),
];
