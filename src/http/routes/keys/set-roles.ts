import { keyRolesRoute } from './access-route.js';

export default keyRolesRoute('set', {
  operation: 'keys.setRoles',
  summary: "Replace a key's roles",
  description:
    'Requires `api.*.update_key` or `api.<apiId>.update_key` (as upstream, no rbac permission). Every role must exist (else 404); ' +
    "`[]` removes them all. Answers the key's roles afterwards, each with its permissions.",
});
