import { keyRolesRoute } from './access-route.js';

export default keyRolesRoute('set', {
  operation: 'keys.setRoles',
  summary: "Replace a key's roles",
  description:
    'Requires `api.*.update_key` or `api.<apiId>.update_key`, and `rbac.*.add_role_to_key` since setting can add roles ' +
    '(upstream needs no rbac permission). Every role must exist (else 404); ' +
    "`[]` removes them all. Answers the key's roles afterwards, each with its permissions.",
});
