import type { RequestContext } from '../context.js';
import { requirePermission, rbac } from '../authorization.js';

/**
 * The rbac permissions a change to a key's direct permissions or roles needs besides the operation's own key
 * permission (docs/unkey-compatibility.md, "Permission requirements"): the same whether the change is its own
 * operation (keys.addPermissions, ...) or part of creating, updating or importing a key.
 */

export type AccessChange = 'add' | 'remove' | 'set';

/** The rbac actions each change of a key's direct permissions needs. */
export const PERMISSION_ACTIONS: Record<AccessChange, readonly string[]> = {
  add: ['add_permission_to_key'],
  remove: ['remove_permission_from_key'],
  set: ['add_permission_to_key', 'remove_permission_from_key'],
};
// Setting roles can add them, so it needs add_role_to_key like adding (stricter than upstream, where update_key alone
// lets keys.setRoles give any role); removing needs update_key alone, as upstream: it cannot widen a key's access.
export const ROLE_ACTIONS: Record<AccessChange, readonly string[]> = { add: ['add_role_to_key'], remove: [], set: ['add_role_to_key'] };

/** A 403 naming the first of `actions` (each `rbac.*.<action>`) the caller lacks. */
export function requireRbac(ctx: RequestContext, actions: readonly string[]): void {
  for (const action of actions) requirePermission(ctx, rbac(action));
}

/** What a key being created, updated or imported is given. */
export interface GivenAccess {
  permissions?: readonly string[];
  roles?: readonly string[];
}

/**
 * keys.createKey, keys.updateKey and keys.migrateKeys give keys permissions and roles: whenever any entry names
 * `permissions` or `roles` (even `[]`), the caller needs what keys.addPermissions / keys.addRoles need, so
 * `create_key` or `update_key` alone never hands out access (stricter than upstream; README.md, "Differences from
 * Unkey"). Slugs that do not exist yet also need `create_permission`, checked where they are looked up (requireCreatable).
 */
export function requireGivenAccessRights(ctx: RequestContext, entries: readonly GivenAccess[]): void {
  if (entries.some((entry) => entry.permissions !== undefined)) requireRbac(ctx, PERMISSION_ACTIONS.add);
  if (entries.some((entry) => entry.roles !== undefined)) requireRbac(ctx, ROLE_ACTIONS.add);
}
