import { SetKeyPermissionsBody, PermissionList } from '../../../contract/permissions.js';
import { permissionData } from '../../../contract/views/permissions.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'keys.setPermissions',
  summary: "Replace a key's direct permissions",
  description:
    'Requires `api.*.update_key` or `api.<apiId>.update_key`, `rbac.*.add_permission_to_key` and `rbac.*.remove_permission_from_key`; ' +
    'plus `rbac.*.create_permission` when a slug does not exist yet (it is then created). `[]` removes them all. ' +
    "Answers the key's direct permissions afterwards (not those from its roles).",
  body: SetKeyPermissionsBody,
  data: PermissionList,
  errors: [400, 401, 403, 404, 500],
  async handle({ body, ctx, services }) {
    return { data: (await services.keyAccess.changePermissions(ctx, 'set', body.keyId, body.permissions)).map(permissionData) };
  },
});
