import { keyScope } from '../../core/permissions.js';
import type { AuditResource, PermissionRecord, RoleRecord } from '../../storage/store.js';
import { auditEntry } from '../audit.js';
import type { RequestContext } from '../context.js';
import type { ServiceDeps } from '../deps.js';
import { changeKey, keyResources, type KeyChange } from './change.js';
import { createdNote, permissionResource, requireCreatable, unique } from '../permissions.js';
import { requirePermission } from '../authorization.js';
import { permissionNotFound, roleNotFound } from '../not-found.js';
import { PERMISSION_ACTIONS, ROLE_ACTIONS, requireRbac, type AccessChange } from './access-rights.js';

/**
 * What keys.add/remove/setPermissions and keys.add/remove/setRoles do to one key's direct permissions and roles.
 * `add` keeps what the key has, `remove` ignores what it lacks, `set` replaces exactly (`[]` clears).
 */

export type { AccessChange };

/** The names the key holds after the change, worked out from what it held (read under its row lock). */
function namesAfter(change: AccessChange, before: string[], named: string[]): string[] {
  if (change === 'set') return named;
  if (change === 'add') return unique([...before, ...named]);
  return before.filter((name) => !named.includes(name));
}

const VERB: Record<AccessChange, string> = { add: 'Added', remove: 'Removed', set: 'Set' };

export class KeyAccessService {
  constructor(private readonly deps: ServiceDeps) {}

  /** Changes the key's direct permissions (by slug); returns them afterwards, without those reached through roles. */
  async changePermissions(ctx: RequestContext, change: AccessChange, keyId: string, permissions: string[]): Promise<PermissionRecord[]> {
    const slugs = unique(permissions);
    return this.changeKey(ctx, keyId, PERMISSION_ACTIONS[change], async (tx, key, now) => {
      let created: string[] = [];
      if (change === 'remove') {
        const found = await tx.findPermissionsBySlug(ctx.workspaceId, slugs);
        const missing = slugs.find((slug) => !found.some((p) => p.slug === slug));
        if (missing !== undefined) throw permissionNotFound(missing);
        await tx.removeKeyPermissions(
          key.id,
          found.map((p) => p.id),
        );
      } else {
        created = await requireCreatable(tx, ctx, slugs);
        if (change === 'add') await tx.addKeyPermissions(ctx.workspaceId, key.id, slugs, now);
        else await tx.setKeyPermissions(ctx.workspaceId, key.id, slugs, now);
      }
      const after = namesAfter(change, key.permissions, slugs);
      // `set` also names what the key lost, so the record shows both sides.
      const named = change === 'set' ? unique([...slugs, ...key.permissions]) : slugs;
      const records = await tx.findPermissionsBySlug(ctx.workspaceId, unique([...after, ...named]));
      await tx.appendAudit(
        auditEntry(
          ctx,
          now,
          'key.update_permissions',
          `${VERB[change]} permissions of key ${key.id}: ${slugs.join(', ') || 'none'}${createdNote(created)}`,
          [...keyResources(key), ...records.filter((p) => named.includes(p.slug)).map(permissionResource)],
        ),
      );
      return records.filter((p) => after.includes(p.slug));
    });
  }

  /** Changes the key's roles (by name; each must exist); returns them afterwards, each with its permissions. */
  async changeRoles(ctx: RequestContext, change: AccessChange, keyId: string, roles: string[]): Promise<RoleRecord[]> {
    const names = unique(roles);
    return this.changeKey(ctx, keyId, ROLE_ACTIONS[change], async (tx, key, now) => {
      // Roles are only linked here, never changed, so one read serves the check, the record and the answer.
      const known = await tx.findRolesByName(ctx.workspaceId, unique([...names, ...key.roles]));
      const missing = names.find((name) => !known.some((r) => r.name === name));
      if (missing !== undefined) throw roleNotFound(missing);
      const ids = known.filter((r) => names.includes(r.name)).map((r) => r.id);
      if (change === 'add') await tx.addKeyRoles(ctx.workspaceId, key.id, ids, now);
      else if (change === 'remove') await tx.removeKeyRoles(key.id, ids);
      else {
        // Only a role deleted since the check above can be missing here.
        const gone = await tx.setKeyRoles(ctx.workspaceId, key.id, names, now);
        if (gone.length > 0) throw roleNotFound(gone[0]!);
      }
      const after = namesAfter(change, key.roles, names);
      const named = change === 'set' ? unique([...names, ...key.roles]) : names;
      await tx.appendAudit(
        auditEntry(ctx, now, 'key.update_roles', `${VERB[change]} roles of key ${key.id}: ${names.join(', ') || 'none'}`, [
          ...keyResources(key),
          ...known.filter((r) => named.includes(r.name)).map((r): AuditResource => ({ type: 'role', id: r.id, name: r.name })),
        ]),
      );
      return known.filter((r) => after.includes(r.name));
    });
  }

  /** update_key on the key's API (tuple or URN) plus the rbac actions of the change (docs/unkey-compatibility.md, "Permission requirements"). */
  private changeKey<T>(ctx: RequestContext, keyId: string, rbacActions: readonly string[], change: KeyChange<T>): Promise<T> {
    return changeKey(
      this.deps,
      ctx,
      keyId,
      (key) => {
        requirePermission(ctx, keyScope(key.apiId, 'update_key', key.id));
        requireRbac(ctx, rbacActions);
      },
      change,
    );
  }
}
