import { GetOverrideBody, OverrideData } from '../../../contract/ratelimit.js';
import { defineRoute } from '../../route.js';
import { overrideData } from '../../../contract/views/ratelimit-overrides.js';

export default defineRoute({
  operation: 'ratelimit.getOverride',
  summary: 'Get the override that applies to an identifier',
  description:
    'Resolved as ratelimit.limit resolves it: the exact identifier first, then the first matching pattern in creation order. ' +
    'Requires `ratelimit.*.read_override` or `ratelimit.<namespaceId>.read_override`; without it the namespace answers 404, as upstream.',
  body: GetOverrideBody,
  data: OverrideData,
  errors: [400, 401, 403, 404, 500],
  handle: async ({ body, ctx, services }) => ({
    data: overrideData(await services.ratelimits.getOverride(ctx, body.namespace, body.identifier)),
  }),
});
