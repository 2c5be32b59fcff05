import { ListPermissionsBody, PermissionData } from '../../../contract/permissions.js';
import { permissionData } from '../../../contract/views/permissions.js';
import { defineRoute, pageData } from '../../route.js';

export default defineRoute({
  operation: 'permissions.listPermissions',
  summary: "List the workspace's permissions, a page at a time, ordered by id",
  description:
    'Requires `rbac.*.read_permission`. `search` keeps permissions whose id, name, slug or description contains it, ignoring case. ' +
    '`cursor` is sent only when there is a next page.',
  body: ListPermissionsBody,
  data: PermissionData,
  paginated: true,
  errors: [400, 401, 403, 500],
  handle: async ({ body, ctx, services }) => pageData(await services.permissions.listPermissions(ctx, body), permissionData),
});
