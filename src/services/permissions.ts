import { KeywardError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { AuditResource, PermissionRecord, RoleRecord, StoreOps } from '../storage/store.js';
import { auditEntry } from './audit.js';
import type { RequestContext } from './context.js';
import type { ServiceDeps } from './deps.js';
import { fetchPage, type Page } from './pagination.js';
import { requirePermission, rbac } from './authorization.js';
import { permissionNotFound, roleNotFound } from './not-found.js';

/**
 * The workspace's own RBAC: permissions (slugs that verifyKey matches) and roles that bundle them. Every
 * operation needs one `rbac.*.<action>` permission (docs/unkey-compatibility.md, "Permission requirements"), checked before any lookup: it names no
 * resource, so refusing first reveals nothing.
 */

export interface CreatePermissionInput {
  name: string;
  slug: string;
  description?: string;
}

export interface CreateRoleInput {
  name: string;
  description?: string;
  permissions?: string[];
}

export interface ListInput {
  limit: number;
  cursor?: string;
  search?: string;
}

export const permissionResource = (p: PermissionRecord): AuditResource => ({ type: 'permission', id: p.id, name: p.slug });
const roleResource = (r: Pick<RoleRecord, 'id' | 'name'>): AuditResource => ({ type: 'role', id: r.id, name: r.name });

export const unique = (items: readonly string[]): string[] => [...new Set(items)];

/**
 * The slugs the workspace has no permission for yet. Attaching them creates them, which needs
 * `rbac.*.create_permission` (docs/unkey-compatibility.md, "Permission requirements"): checked here, before anything is written.
 */
export async function requireCreatable(tx: StoreOps, ctx: RequestContext, slugs: readonly string[]): Promise<string[]> {
  const existing = new Set((await tx.findPermissionsBySlug(ctx.workspaceId, slugs)).map((p) => p.slug));
  const missing = unique(slugs).filter((slug) => !existing.has(slug));
  if (missing.length > 0) requirePermission(ctx, rbac('create_permission'));
  return missing;
}

/** " (created a, b)" for an audit description, when attaching slugs created permissions. */
export const createdNote = (created: string[]): string => (created.length > 0 ? ` (created ${created.join(', ')})` : '');

export class PermissionService {
  constructor(private readonly deps: ServiceDeps) {}

  async createPermission(ctx: RequestContext, input: CreatePermissionInput): Promise<string> {
    requirePermission(ctx, rbac('create_permission'));
    const now = this.deps.clock.now();
    const permission: PermissionRecord = {
      id: newId('permission', now),
      name: input.name,
      slug: input.slug,
      description: input.description ?? null,
    };
    // No invalidation: no key can hold a permission that did not exist.
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.insertPermission({ ...permission, workspaceId: ctx.workspaceId, createdAt: now }))) {
        throw new KeywardError('permission_already_exists', `A permission with the slug '${input.slug}' already exists.`);
      }
      await tx.appendAudit(
        auditEntry(ctx, now, 'permission.create', `Created permission ${permission.id} (${input.slug})`, [permissionResource(permission)]),
      );
    });
    return permission.id;
  }

  async getPermission(ctx: RequestContext, idOrSlug: string): Promise<PermissionRecord> {
    requirePermission(ctx, rbac('read_permission'));
    // Another workspace's permission answers "not found": the lookup is scoped to the caller's workspace.
    const permission = await this.deps.store.findPermission(ctx.workspaceId, idOrSlug);
    if (!permission) throw permissionNotFound(idOrSlug);
    return permission;
  }

  async listPermissions(ctx: RequestContext, input: ListInput): Promise<Page<PermissionRecord>> {
    requirePermission(ctx, rbac('read_permission'));
    return fetchPage(input, (window) => this.deps.store.listPermissions({ workspaceId: ctx.workspaceId, search: input.search, ...window }));
  }

  /** Deletes the permission; every key and role holding it loses it at once. */
  async deletePermission(ctx: RequestContext, idOrSlug: string): Promise<void> {
    requirePermission(ctx, rbac('delete_permission'));
    await this.changeAccess(ctx, async (tx, now) => {
      // Another workspace's permission answers "not found": the lookup is scoped to the caller's workspace.
      const permission = await tx.findPermission(ctx.workspaceId, idOrSlug);
      if (!permission || !(await tx.deletePermission(ctx.workspaceId, permission.id))) throw permissionNotFound(idOrSlug);
      await tx.appendAudit(
        auditEntry(ctx, now, 'permission.delete', `Deleted permission ${permission.id} (${permission.slug})`, [
          permissionResource(permission),
        ]),
      );
    });
  }

  /** A role holding `permissions` (slugs; missing ones are created). */
  async createRole(ctx: RequestContext, input: CreateRoleInput): Promise<string> {
    requirePermission(ctx, rbac('create_role'));
    const slugs = unique(input.permissions ?? []);
    if (slugs.length > 0) requirePermission(ctx, rbac('add_permission_to_role'));
    const now = this.deps.clock.now();
    const id = newId('role', now);
    // No invalidation: no key can hold a role that did not exist.
    await this.deps.store.transaction(async (tx) => {
      const created = await requireCreatable(tx, ctx, slugs);
      if (
        !(await tx.insertRole({
          id,
          workspaceId: ctx.workspaceId,
          name: input.name,
          description: input.description ?? null,
          createdAt: now,
        }))
      ) {
        throw new KeywardError('role_already_exists', `A role named '${input.name}' already exists.`);
      }
      const permissions = await tx.setRolePermissions(ctx.workspaceId, id, slugs, now);
      await tx.appendAudit(
        auditEntry(ctx, now, 'role.create', `Created role ${id} (${input.name})${createdNote(created)}`, [
          roleResource({ id, name: input.name }),
          ...permissions.map(permissionResource),
        ]),
      );
    });
    return id;
  }

  async getRole(ctx: RequestContext, idOrName: string): Promise<RoleRecord> {
    requirePermission(ctx, rbac('read_role'));
    // Another workspace's role answers "not found": the lookup is scoped to the caller's workspace.
    const role = await this.deps.store.findRole(ctx.workspaceId, idOrName);
    if (!role) throw roleNotFound(idOrName);
    return role;
  }

  async listRoles(ctx: RequestContext, input: ListInput): Promise<Page<RoleRecord>> {
    requirePermission(ctx, rbac('read_role'));
    return fetchPage(input, (window) => this.deps.store.listRoles({ workspaceId: ctx.workspaceId, search: input.search, ...window }));
  }

  /** Deletes the role; every key holding it loses it (and the permissions it gave) at once. */
  async deleteRole(ctx: RequestContext, idOrName: string): Promise<void> {
    requirePermission(ctx, rbac('delete_role'));
    await this.changeAccess(ctx, async (tx, now) => {
      // Another workspace's role answers "not found": the lookup is scoped to the caller's workspace.
      const role = await tx.findRole(ctx.workspaceId, idOrName);
      if (!role || !(await tx.deleteRole(ctx.workspaceId, role.id))) throw roleNotFound(idOrName);
      await tx.appendAudit(auditEntry(ctx, now, 'role.delete', `Deleted role ${role.id} (${role.name})`, [roleResource(role)]));
    });
  }

  /** Replaces the role's permissions exactly (`[]` clears them; missing slugs are created); returns the new set. */
  async setRolePermissions(ctx: RequestContext, roleId: string, permissions: string[]): Promise<PermissionRecord[]> {
    requirePermission(ctx, rbac('add_permission_to_role'));
    requirePermission(ctx, rbac('remove_permission_from_role'));
    const slugs = unique(permissions);
    return this.changeAccess(ctx, async (tx, now) => {
      const role = await tx.findRole(ctx.workspaceId, roleId);
      // By id only (docs/unkey-compatibility.md, "permissions and roles"): a role whose name spells the id is not it. Another workspace's role is not found either.
      if (!role || role.id !== roleId) throw roleNotFound(roleId);
      const created = await requireCreatable(tx, ctx, slugs);
      const after = await tx.setRolePermissions(ctx.workspaceId, role.id, slugs, now);
      // The record names what the role lost as well as what it holds now.
      const touched = [...after, ...role.permissions.filter((p) => !slugs.includes(p.slug))];
      await tx.appendAudit(
        auditEntry(
          ctx,
          now,
          'role.update_permissions',
          `Set permissions of role ${role.id} to ${slugs.join(', ') || 'none'}${createdNote(created)}`,
          [roleResource(role), ...touched.map(permissionResource)],
        ),
      );
      return after;
    });
  }

  /**
   * One change to permissions or roles that keys may hold, with its audit record, in one transaction. Cached verify
   * lookups carry each key's permissions, including those reached through roles, and nothing records which cached keys
   * hold a given permission or role, so after the commit the workspace's cached lookups are all dropped: simple and
   * always correct, and such changes are rare next to verifications.
   */
  private async changeAccess<T>(ctx: RequestContext, change: (tx: StoreOps, now: number) => Promise<T>): Promise<T> {
    const now = this.deps.clock.now();
    const result = await this.deps.store.transaction(async (tx) => {
      const result = await change(tx, now);
      await tx.logChanges([{ kind: 'workspace', workspaceId: ctx.workspaceId }], now);
      return result;
    });
    await this.deps.bus.publish({ kind: 'workspace', workspaceId: ctx.workspaceId });
    return result;
  }
}
