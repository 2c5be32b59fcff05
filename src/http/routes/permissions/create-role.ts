import { CreateRoleBody, CreateRoleData } from '../../../contract/permissions.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'permissions.createRole',
  summary: 'Create a role: a named set of permissions that keys can hold',
  description:
    'Requires `rbac.*.create_role`; with `permissions`, also `rbac.*.add_permission_to_role`, and `rbac.*.create_permission` ' +
    'when a slug does not exist yet (it is then created). A name the workspace already has answers 409.',
  body: CreateRoleBody,
  data: CreateRoleData,
  errors: [400, 401, 403, 409, 500],
  handle: async ({ body, ctx, services }) => ({ data: { roleId: await services.permissions.createRole(ctx, body) } }),
});
