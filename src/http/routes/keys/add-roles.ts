import { AddKeyRolesBody, RoleList } from '../../../contract/permissions.js';
import { roleData } from '../../../contract/views/permissions.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'keys.addRoles',
  summary: 'Give a key roles; it keeps those it has',
  description:
    'Requires `api.*.update_key` or `api.<apiId>.update_key`, and `rbac.*.add_role_to_key`. Every role must exist (else 404). ' +
    "Answers the key's roles afterwards, each with its permissions.",
  body: AddKeyRolesBody,
  data: RoleList,
  errors: [400, 401, 403, 404, 500],
  async handle({ body, ctx, services }) {
    return { data: (await services.keyAccess.changeRoles(ctx, 'add', body.keyId, body.roles)).map(roleData) };
  },
});
