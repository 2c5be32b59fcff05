import { AddKeyPermissionsBody, PermissionList } from '../../../contract/permissions.js';
import { permissionData } from '../../../contract/views/permissions.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'keys.addPermissions',
  summary: 'Give a key permissions; it keeps those it has',
  description:
    'Requires `api.*.update_key` or `api.<apiId>.update_key`, and `rbac.*.add_permission_to_key`; plus `rbac.*.create_permission` ' +
    "when a slug does not exist yet (it is then created). Answers the key's direct permissions afterwards (not those from its roles).",
  body: AddKeyPermissionsBody,
  data: PermissionList,
  errors: [400, 401, 403, 404, 500],
  async handle({ body, ctx, services }) {
    return { data: (await services.keyAccess.changePermissions(ctx, 'add', body.keyId, body.permissions)).map(permissionData) };
  },
});
