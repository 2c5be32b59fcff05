import { EmptyData } from '../../../contract/common.js';
import { DeleteOverrideBody } from '../../../contract/ratelimit.js';
import { defineRoute, emptyData } from '../../route.js';

export default defineRoute({
  operation: 'ratelimit.deleteOverride',
  summary: 'Delete an override',
  description:
    'Names the override by the exact identifier or pattern it was set with. ' +
    'Requires `ratelimit.*.delete_override` or `ratelimit.<namespaceId>.delete_override`.',
  body: DeleteOverrideBody,
  data: EmptyData,
  errors: [400, 401, 403, 404, 500],
  handle: ({ body, ctx, services }) => emptyData(services.ratelimits.deleteOverride(ctx, body.namespace, body.identifier)),
});
