import type { Static } from 'typebox';
import type { PermissionData, RoleData } from '../permissions.js';
import type { PermissionRecord, RoleRecord } from '../../storage/store.js';

/** Response mappers for permissions and roles. An empty description is absent, never null (clients reject null). */

export function permissionData(permission: PermissionRecord): Static<typeof PermissionData> {
  const out: Static<typeof PermissionData> = { id: permission.id, name: permission.name, slug: permission.slug };
  if (permission.description) out.description = permission.description;
  return out;
}

export function roleData(role: RoleRecord): Static<typeof RoleData> {
  const out: Static<typeof RoleData> = { id: role.id, name: role.name, permissions: role.permissions.map(permissionData) };
  if (role.description) out.description = role.description;
  return out;
}
