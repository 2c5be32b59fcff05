import { EmptyData } from '../../../contract/common.js';
import { DeletePermissionBody } from '../../../contract/permissions.js';
import { defineRoute, emptyData } from '../../route.js';

export default defineRoute({
  operation: 'permissions.deletePermission',
  summary: 'Delete a permission; every key and role holding it loses it at once',
  description: 'Requires `rbac.*.delete_permission`. `permission` is the id or the slug.',
  body: DeletePermissionBody,
  data: EmptyData,
  errors: [400, 401, 403, 404, 500],
  handle: ({ body, ctx, services }) => emptyData(services.permissions.deletePermission(ctx, body.permission)),
});
