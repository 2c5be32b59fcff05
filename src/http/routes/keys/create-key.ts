import { CreateKeyBody, CreateKeyData } from '../../../contract/keys.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'keys.createKey',
  summary: 'Create a key; the key itself is in this response only',
  description:
    'Requires `api.*.create_key` or `api.<apiId>.create_key` (without it the API answers 404, as upstream). ' +
    '`permissions` also require `rbac.*.add_permission_to_key`, plus `rbac.*.create_permission` when a slug does not exist yet (it is ' +
    'then created), and `roles` `rbac.*.add_role_to_key`, as keys.addPermissions and keys.addRoles do (else 403; stricter than upstream). ' +
    '`externalId` creates or links an identity; unknown roles answer 404. `recoverable: true` also ' +
    'requires `api.*.encrypt_key` or `api.<apiId>.encrypt_key` (else 404, as upstream), and answers 412 unless the server has a vault ' +
    'and the API stores encrypted keys (apiSettings.updateSettings `storeEncryptedKeys`).',
  body: CreateKeyBody,
  data: CreateKeyData,
  errors: [400, 401, 403, 404, 412, 500],
  handle: async ({ body, ctx, services }) => ({ data: await services.keys.create(ctx, body) }),
});
