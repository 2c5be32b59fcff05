import { LimitBody, LimitData } from '../../../contract/ratelimit.js';
import { defineRoute } from '../../route.js';
import { limitData } from '../../../contract/views/ratelimit-limits.js';

export default defineRoute({
  operation: 'ratelimit.limit',
  summary: 'Count one call against a rate limit and say whether it may proceed',
  description:
    'Sliding window over two fixed windows, exact on one node and across nodes sharing Redis. A namespace named for the first ' +
    'time is created (requires `ratelimit.*.create_namespace`); a deleted one answers 410. An override for the identifier ' +
    'replaces both `limit` and `duration`. Requires `ratelimit.*.limit` or `ratelimit.<namespaceId>.limit`.',
  body: LimitBody,
  data: LimitData,
  errors: [400, 401, 403, 410, 500],
  handle: async ({ body, ctx, services }) => ({ data: limitData(await services.ratelimits.limit(ctx, body)) }),
});
