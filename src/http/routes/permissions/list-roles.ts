import { ListRolesBody, RoleData } from '../../../contract/permissions.js';
import { roleData } from '../../../contract/views/permissions.js';
import { defineRoute, pageData } from '../../route.js';

export default defineRoute({
  operation: 'permissions.listRoles',
  summary: "List the workspace's roles with their permissions, a page at a time, ordered by id",
  description:
    'Requires `rbac.*.read_role`. `search` keeps roles whose id, name or description contains it, ignoring case. ' +
    '`cursor` is sent only when there is a next page.',
  body: ListRolesBody,
  data: RoleData,
  paginated: true,
  errors: [400, 401, 403, 500],
  handle: async ({ body, ctx, services }) => pageData(await services.permissions.listRoles(ctx, body), roleData),
});
