import { call, type ListPage, listPage } from './client';
import type { Key } from './keys';

/**
 * The `permissions.*` operations (the workspace's own RBAC, which verifyKey matches: not root keys' permissions) and the
 * keys.* operations that change one key's direct permissions and roles. Shapes from src/contract/permissions.ts.
 */

export interface Permission {
  id: string;
  name: string;
  /** What keys hold and verifyKey queries match, exactly. */
  slug: string;
  description?: string;
}

export interface Role {
  id: string;
  name: string;
  description?: string;
  /** Ordered by slug. */
  permissions: Permission[];
}

export interface NewPermission {
  name: string;
  slug: string;
  description?: string;
}

export interface NewRole {
  name: string;
  description?: string;
}

export const listPermissions = (cursor?: string): Promise<ListPage<Permission>> =>
  listPage<Permission>('permissions.listPermissions', {}, cursor);
export const listRoles = (cursor?: string): Promise<ListPage<Role>> => listPage<Role>('permissions.listRoles', {}, cursor);

/**
 * Every page of a list, for pickers that offer the whole workspace's permissions or roles at once. The server caps a
 * page at 100; a workspace with thousands would make many calls, which a picker of that size would be useless for anyway.
 */
export async function everything<T>(fetchPage: (cursor?: string) => Promise<ListPage<T>>): Promise<T[]> {
  const items: T[] = [];
  let cursor: string | undefined;
  do {
    const page = await fetchPage(cursor);
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor);
  return items;
}

export const permissions = {
  create: (permission: NewPermission) => call<{ permissionId: string }>('permissions.createPermission', permission),
  /** By id, so a slug that looks like an id cannot name another permission. */
  delete: (permissionId: string) => call<Record<string, never>>('permissions.deletePermission', { permission: permissionId }),
  createRole: (role: NewRole) => call<{ roleId: string }>('permissions.createRole', role),
  deleteRole: (roleId: string) => call<Record<string, never>>('permissions.deleteRole', { role: roleId }),
  /** Replaces the role's permissions with exactly these slugs (`[]` clears); answers the set afterwards. */
  setRolePermissions: (roleId: string, slugs: string[]) =>
    call<Permission[]>('permissions.setRolePermissions', { roleId, permissions: slugs }),
};

/** One key's direct permissions and roles; each answers the key's direct set afterwards. */
export const keyAccess = {
  addPermissions: (keyId: Key['keyId'], slugs: string[]) => call<Permission[]>('keys.addPermissions', { keyId, permissions: slugs }),
  removePermissions: (keyId: Key['keyId'], slugs: string[]) => call<Permission[]>('keys.removePermissions', { keyId, permissions: slugs }),
  addRoles: (keyId: Key['keyId'], roles: string[]) => call<Role[]>('keys.addRoles', { keyId, roles }),
  removeRoles: (keyId: Key['keyId'], roles: string[]) => call<Role[]>('keys.removeRoles', { keyId, roles }),
};
