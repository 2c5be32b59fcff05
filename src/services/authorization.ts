import { KeywardError } from '../core/errors.js';
import { permissionText, satisfies, type Requirement } from '../core/permissions.js';
import type { RequestContext } from './context.js';

/** The permission checks every service makes; resource-specific rules (which scope a key needs) stay with their service. */

/** A 403 naming every alternative (URN ones written out for the caller's workspace) unless the caller meets one. */
export function requirePermission(ctx: RequestContext, anyOf: Requirement): void {
  if (!satisfies(ctx.permissions, ctx.workspaceId, anyOf)) {
    const names = anyOf.map((alternative) => permissionText(ctx.workspaceId, alternative));
    throw new KeywardError(
      'insufficient_permissions',
      names.length === 1 ? `Missing permission: '${names[0]}'` : `Missing one of these permissions: ${names.join(' or ')}`,
    );
  }
}

/** The workspace-wide RBAC permission of an action (`rbac.*.<action>`). */
export const rbac = (action: string): string[] => [`rbac.*.${action}`];
