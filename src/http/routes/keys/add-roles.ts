import { keyRolesRoute } from './access-route.js';

export default keyRolesRoute('add', {
  operation: 'keys.addRoles',
  summary: 'Give a key roles; it keeps those it has',
  description:
    'Requires `api.*.update_key` or `api.<apiId>.update_key`, and `rbac.*.add_role_to_key`. Every role must exist (else 404). ' +
    "Answers the key's roles afterwards, each with its permissions.",
});
