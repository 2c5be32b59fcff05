import { GetRoleBody, RoleData } from '../../../contract/permissions.js';
import { roleData } from '../../../contract/views/permissions.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'permissions.getRole',
  summary: 'Get a role, with its permissions, by its id or its name',
  description: 'Requires `rbac.*.read_role`.',
  body: GetRoleBody,
  data: RoleData,
  errors: [400, 401, 403, 404, 500],
  handle: async ({ body, ctx, services }) => ({ data: roleData(await services.permissions.getRole(ctx, body.role)) }),
});
