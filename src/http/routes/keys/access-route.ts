import {
  AddKeyPermissionsBody,
  AddKeyRolesBody,
  PermissionList,
  RemoveKeyPermissionsBody,
  RemoveKeyRolesBody,
  RoleList,
  SetKeyPermissionsBody,
  SetKeyRolesBody,
} from '../../../contract/permissions.js';
import { permissionData, roleData } from '../../../contract/views/permissions.js';
import type { AccessChange } from '../../../services/keys/access.js';
import { defineRoute } from '../../route.js';

/** What tells the keys.{add,remove,set}{Permissions,Roles} routes apart: their name and their documentation. */
interface AccessRouteDocs {
  operation: string;
  summary: string;
  description: string;
}

/** A change of a key's direct permissions; each change has its own body schema (contract/permissions.ts). */
export function keyPermissionsRoute(change: AccessChange, docs: AccessRouteDocs) {
  return defineRoute({
    ...docs,
    body: { add: AddKeyPermissionsBody, remove: RemoveKeyPermissionsBody, set: SetKeyPermissionsBody }[change],
    data: PermissionList,
    errors: [400, 401, 403, 404, 500],
    handle: async ({ body, ctx, services }) => ({
      data: (await services.keyAccess.changePermissions(ctx, change, body.keyId, body.permissions)).map(permissionData),
    }),
  });
}

/** A change of a key's roles; each change has its own body schema (contract/permissions.ts). */
export function keyRolesRoute(change: AccessChange, docs: AccessRouteDocs) {
  return defineRoute({
    ...docs,
    body: { add: AddKeyRolesBody, remove: RemoveKeyRolesBody, set: SetKeyRolesBody }[change],
    data: RoleList,
    errors: [400, 401, 403, 404, 500],
    handle: async ({ body, ctx, services }) => ({
      data: (await services.keyAccess.changeRoles(ctx, change, body.keyId, body.roles)).map(roleData),
    }),
  });
}
