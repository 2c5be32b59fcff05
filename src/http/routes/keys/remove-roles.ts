import { RemoveKeyRolesBody, RoleList } from '../../../contract/permissions.js';
import { roleData } from '../../../contract/views/permissions.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'keys.removeRoles',
  summary: 'Take roles from a key',
  description:
    'Requires `api.*.update_key` or `api.<apiId>.update_key` (as upstream, no rbac permission). Every role must exist (else 404); ' +
    "ones the key does not hold are ignored. Answers the key's roles afterwards, each with its permissions.",
  body: RemoveKeyRolesBody,
  data: RoleList,
  errors: [400, 401, 403, 404, 500],
  async handle({ body, ctx, services }) {
    return { data: (await services.keyAccess.changeRoles(ctx, 'remove', body.keyId, body.roles)).map(roleData) };
  },
});
