import { SetKeyRolesBody, RoleList } from '../../../contract/permissions.js';
import { roleData } from '../../../contract/views/permissions.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'keys.setRoles',
  summary: "Replace a key's roles",
  description:
    'Requires `api.*.update_key` or `api.<apiId>.update_key` (as upstream, no rbac permission). Every role must exist (else 404); ' +
    "`[]` removes them all. Answers the key's roles afterwards, each with its permissions.",
  body: SetKeyRolesBody,
  data: RoleList,
  errors: [400, 401, 403, 404, 500],
  async handle({ body, ctx, services }) {
    return { data: (await services.keyAccess.changeRoles(ctx, 'set', body.keyId, body.roles)).map(roleData) };
  },
});
