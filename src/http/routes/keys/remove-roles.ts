import { keyRolesRoute } from './access-route.js';

export default keyRolesRoute('remove', {
  operation: 'keys.removeRoles',
  summary: 'Take roles from a key',
  description:
    'Requires `api.*.update_key` or `api.<apiId>.update_key` (as upstream, no rbac permission). Every role must exist (else 404); ' +
    "ones the key does not hold are ignored. Answers the key's roles afterwards, each with its permissions.",
});
