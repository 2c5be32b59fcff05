import { RemoveKeyPermissionsBody, PermissionList } from '../../../contract/permissions.js';
import { permissionData } from '../../../contract/views/permissions.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'keys.removePermissions',
  summary: 'Take permissions from a key',
  description:
    'Requires `api.*.update_key` or `api.<apiId>.update_key`, and `rbac.*.remove_permission_from_key`. Every slug must exist in ' +
    "the workspace (else 404); ones the key does not hold are ignored. Answers the key's direct permissions afterwards.",
  body: RemoveKeyPermissionsBody,
  data: PermissionList,
  errors: [400, 401, 403, 404, 500],
  async handle({ body, ctx, services }) {
    return { data: (await services.keyAccess.changePermissions(ctx, 'remove', body.keyId, body.permissions)).map(permissionData) };
  },
});
