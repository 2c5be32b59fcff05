import { keyPermissionsRoute } from './access-route.js';

export default keyPermissionsRoute('remove', {
  operation: 'keys.removePermissions',
  summary: 'Take permissions from a key',
  description:
    'Requires `api.*.update_key` or `api.<apiId>.update_key`, and `rbac.*.remove_permission_from_key`. Every slug must exist in ' +
    "the workspace (else 404); ones the key does not hold are ignored. Answers the key's direct permissions afterwards.",
});
