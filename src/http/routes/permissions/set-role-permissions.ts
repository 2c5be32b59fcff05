import { PermissionList, SetRolePermissionsBody } from '../../../contract/permissions.js';
import { permissionData } from '../../../contract/views/permissions.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'permissions.setRolePermissions',
  summary: "Replace a role's permissions; keys holding the role see the change at once",
  description:
    'Requires `rbac.*.add_permission_to_role` and `rbac.*.remove_permission_from_role`, plus `rbac.*.create_permission` when a slug ' +
    "does not exist yet (it is then created). The role is named by id only. `[]` removes every permission. Answers the role's permissions, by slug.",
  body: SetRolePermissionsBody,
  data: PermissionList,
  errors: [400, 401, 403, 404, 500],
  handle: async ({ body, ctx, services }) => ({
    data: (await services.permissions.setRolePermissions(ctx, body.roleId, body.permissions)).map(permissionData),
  }),
});
