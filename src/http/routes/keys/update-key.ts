import { EmptyData } from '../../../contract/common.js';
import { UpdateKeyBody } from '../../../contract/keys.js';
import { defineRoute, emptyData } from '../../route.js';

export default defineRoute({
  operation: 'keys.updateKey',
  summary: 'Change a key; absent fields stay as they are, null clears a field',
  description:
    'Requires `api.*.update_key` or `api.<apiId>.update_key`; `permissions` also `rbac.*.add_permission_to_key` (and ' +
    '`rbac.*.create_permission` for slugs that do not exist yet), `roles` also `rbac.*.add_role_to_key`, as keys.addPermissions and ' +
    'keys.addRoles (else 403; stricter than upstream). `externalId` links an identity (created if missing), null unlinks it. ' +
    '`credits: null` or `credits.remaining: null` make the key unlimited and clear its refill; `credits.refill: null` clears the refill. ' +
    '`ratelimits`, `roles` and `permissions` replace the current set (limits keep their ids by name; missing permissions are created; unknown roles answer 404).',
  body: UpdateKeyBody,
  data: EmptyData,
  errors: [400, 401, 403, 404, 500],
  handle: ({ body, ctx, services }) => emptyData(services.keys.update(ctx, body)),
});
