import type { SearchPageQuery } from './shared.js';

/** The workspace's own RBAC: permissions and roles. */

/** A permission of the workspace's own RBAC (what its keys hold and verifyKey matches by slug). */
export interface PermissionRecord {
  id: string;
  name: string;
  slug: string;
  description: string | null;
}

export interface RoleRecord {
  id: string;
  name: string;
  description: string | null;
  /** The role's permissions, ordered by slug. */
  permissions: PermissionRecord[];
}

export interface NewPermission extends PermissionRecord {
  workspaceId: string;
  createdAt: number;
}

export interface NewRole {
  id: string;
  workspaceId: string;
  name: string;
  description: string | null;
  createdAt: number;
}

export interface RbacOps {
  /** Inserts a permission; false (writing nothing) if the workspace already has its slug (race-safe). */
  insertPermission(row: NewPermission): Promise<boolean>;
  /** The permission with this id, else the one with this slug. */
  findPermission(workspaceId: string, idOrSlug: string): Promise<PermissionRecord | undefined>;
  /** The workspace's permissions with these slugs, ordered by slug; slugs without one are simply absent. */
  findPermissionsBySlug(workspaceId: string, slugs: readonly string[]): Promise<PermissionRecord[]>;
  /** One page ordered by id; `search` matches the id, name, slug or description. */
  listPermissions(query: SearchPageQuery): Promise<PermissionRecord[]>;
  /** Deletes the permission and detaches it from every key and role; false if it was not there. */
  deletePermission(workspaceId: string, permissionId: string): Promise<boolean>;
  /** Inserts a role without permissions; false (writing nothing) if the workspace already has its name (race-safe). */
  insertRole(row: NewRole): Promise<boolean>;
  /** The role with this id, else the one with this name, with its permissions. */
  findRole(workspaceId: string, idOrName: string): Promise<RoleRecord | undefined>;
  /** The workspace's roles with these names, ordered by name, with their permissions; names without one are absent. */
  findRolesByName(workspaceId: string, names: readonly string[]): Promise<RoleRecord[]>;
  /** One page ordered by id, with permissions; `search` matches the id, name or description. */
  listRoles(query: SearchPageQuery): Promise<RoleRecord[]>;
  /** Deletes the role and detaches it from every key; false if it was not there. */
  deleteRole(workspaceId: string, roleId: string): Promise<boolean>;
  /** Replaces the role's permissions with these slugs, creating missing permissions in the workspace; returns them by slug. */
  setRolePermissions(workspaceId: string, roleId: string, slugs: string[], now: number): Promise<PermissionRecord[]>;
}
