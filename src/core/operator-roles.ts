import { ALL_WILDCARD_PERMISSIONS } from './permissions.js';

/**
 * What an operator's role in a workspace lets it do through the API (docs/decisions/0015-operators-and-mfa.md).
 * Every `*` permission of the catalogue (core/permissions.ts) is classified here once; operator-roles.test.ts fails
 * when the catalogue gains one that is not, so a new permission is never granted to a role by accident.
 */

export const OPERATOR_ROLES = ['admin', 'member', 'read_only'] as const;
export type OperatorRole = (typeof OPERATOR_ROLES)[number];

/**
 * - read: reads nothing secret;
 * - write: changes the workspace's objects (verifying and limiting count usage, so they change state too);
 * - secret: reveals a key's plaintext (decrypt_key): not a read_only operator's to see;
 * - root_keys: root-key and webhook-endpoint management, which hand out credentials: admins only.
 */
type Kind = 'read' | 'write' | 'secret' | 'root_keys';

export const PERMISSION_KINDS: Readonly<Record<string, Kind>> = {
  'api.*.create_api': 'write',
  'api.*.read_api': 'read',
  'api.*.update_api': 'write',
  'api.*.delete_api': 'write',
  'api.*.create_key': 'write',
  'api.*.read_key': 'read',
  'api.*.update_key': 'write',
  'api.*.delete_key': 'write',
  'api.*.verify_key': 'write',
  'api.*.encrypt_key': 'write',
  'api.*.decrypt_key': 'secret',
  'api.*.read_analytics': 'read',
  'ratelimit.*.limit': 'write',
  'ratelimit.*.create_namespace': 'write',
  'ratelimit.*.read_namespace': 'read',
  'ratelimit.*.update_namespace': 'write',
  'ratelimit.*.delete_namespace': 'write',
  'ratelimit.*.set_override': 'write',
  'ratelimit.*.read_override': 'read',
  'ratelimit.*.delete_override': 'write',
  'ratelimit.*.read_analytics': 'read',
  'rbac.*.create_permission': 'write',
  'rbac.*.read_permission': 'read',
  'rbac.*.update_permission': 'write',
  'rbac.*.delete_permission': 'write',
  'rbac.*.create_role': 'write',
  'rbac.*.read_role': 'read',
  'rbac.*.update_role': 'write',
  'rbac.*.delete_role': 'write',
  'rbac.*.add_permission_to_key': 'write',
  'rbac.*.remove_permission_from_key': 'write',
  'rbac.*.add_role_to_key': 'write',
  'rbac.*.remove_role_from_key': 'write',
  'rbac.*.add_permission_to_role': 'write',
  'rbac.*.remove_permission_from_role': 'write',
  'identity.*.create_identity': 'write',
  'identity.*.read_identity': 'read',
  'identity.*.update_identity': 'write',
  'identity.*.delete_identity': 'write',
  'audit.*.read_audit_log': 'read',
  'rootkey.*.create_root_key': 'root_keys',
  'rootkey.*.read_root_key': 'root_keys',
  'rootkey.*.update_root_key': 'root_keys',
  'rootkey.*.delete_root_key': 'root_keys',
  // An endpoint sends the workspace's events to a URL of its creator's choosing and holds a signing secret: admins only, as root keys.
  'webhook.*.create_webhook': 'root_keys',
  'webhook.*.read_webhook': 'read',
  'webhook.*.update_webhook': 'root_keys',
  'webhook.*.delete_webhook': 'root_keys',
};

const KINDS_OF_ROLE: Record<OperatorRole, readonly Kind[]> = {
  // The bootstrap root key's set (ALL_WILDCARD_PERMISSIONS); operator management is the admin role itself.
  admin: ['read', 'write', 'secret', 'root_keys'],
  member: ['read', 'write', 'secret'],
  read_only: ['read'],
};

/** Built once per role and never changed, so the URN-grant cache of core/permissions.ts keys on one set per role. */
const PERMISSIONS_OF_ROLE = Object.fromEntries(
  OPERATOR_ROLES.map((role) => [
    role,
    new Set(ALL_WILDCARD_PERMISSIONS.filter((permission) => KINDS_OF_ROLE[role].includes(PERMISSION_KINDS[permission]!))),
  ]),
) as unknown as Record<OperatorRole, ReadonlySet<string>>;

/** The permissions an operator of `role` acts with, as a root key holding them would. */
export function permissionsOfRole(role: OperatorRole): ReadonlySet<string> {
  return PERMISSIONS_OF_ROLE[role];
}

export const isOperatorRole = (value: string): value is OperatorRole => (OPERATOR_ROLES as readonly string[]).includes(value);
