import { keyPermissionsRoute } from './access-route.js';

export default keyPermissionsRoute('add', {
  operation: 'keys.addPermissions',
  summary: 'Give a key permissions; it keeps those it has',
  description:
    'Requires `api.*.update_key` or `api.<apiId>.update_key`, and `rbac.*.add_permission_to_key`; plus `rbac.*.create_permission` ' +
    "when a slug does not exist yet (it is then created). Answers the key's direct permissions afterwards (not those from its roles).",
});
