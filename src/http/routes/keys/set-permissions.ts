import { keyPermissionsRoute } from './access-route.js';

export default keyPermissionsRoute('set', {
  operation: 'keys.setPermissions',
  summary: "Replace a key's direct permissions",
  description:
    'Requires `api.*.update_key` or `api.<apiId>.update_key`, `rbac.*.add_permission_to_key` and `rbac.*.remove_permission_from_key`; ' +
    'plus `rbac.*.create_permission` when a slug does not exist yet (it is then created). `[]` removes them all. ' +
    "Answers the key's direct permissions afterwards (not those from its roles).",
});
