import { EmptyData } from '../../../contract/common.js';
import { DeleteRoleBody } from '../../../contract/permissions.js';
import { defineRoute, emptyData } from '../../route.js';

export default defineRoute({
  operation: 'permissions.deleteRole',
  summary: 'Delete a role; every key holding it loses it (and the permissions it gave) at once',
  description: 'Requires `rbac.*.delete_role`. `role` is the id or the name. Its permissions are kept.',
  body: DeleteRoleBody,
  data: EmptyData,
  errors: [400, 401, 403, 404, 500],
  handle: ({ body, ctx, services }) => emptyData(services.permissions.deleteRole(ctx, body.role)),
});
