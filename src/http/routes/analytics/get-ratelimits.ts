import { AnalyticsRows, GetRatelimitsBody } from '../../../contract/analytics.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'analytics.getRatelimits',
  summary: 'Query rate-limit analytics with SQL',
  description:
    'One SELECT over `ratelimits_v1` (one row per ratelimit.limit / multiLimit decision) and ' +
    '`ratelimits_per_{minute,hour,day,month}_v1` (rollups with `passed`, `total`, `latency_sum`, `latency_max`, `latency_avg`), ' +
    "with the caller's workspace injected into every table. Requires `ratelimit.*.read_analytics`, or " +
    '`ratelimit.<namespaceId>.read_analytics` (rows of those namespaces only). 503 when analytics is off.',
  body: GetRatelimitsBody,
  data: AnalyticsRows,
  errors: [400, 401, 403, 422, 429, 500, 503],
  handle: async ({ body, ctx, services }) => ({ data: await services.analytics.getRatelimits(ctx, body.query) }),
});
