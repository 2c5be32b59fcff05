import { GetPermissionBody, PermissionData } from '../../../contract/permissions.js';
import { permissionData } from '../../../contract/views/permissions.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'permissions.getPermission',
  summary: 'Get a permission by its id or its slug',
  description: 'Requires `rbac.*.read_permission`.',
  body: GetPermissionBody,
  data: PermissionData,
  errors: [400, 401, 403, 404, 500],
  handle: async ({ body, ctx, services }) => ({ data: permissionData(await services.permissions.getPermission(ctx, body.permission)) }),
});
