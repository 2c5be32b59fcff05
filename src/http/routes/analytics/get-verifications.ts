import { AnalyticsRows, GetVerificationsBody } from '../../../contract/analytics.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'analytics.getVerifications',
  summary: 'Query verification analytics with SQL',
  description:
    'One SELECT over `key_verifications_v1` (one row per verification) and `key_verifications_per_{minute,hour,day,month}_v1` ' +
    "(rollups with `count`, `spent_credits`, `latency_sum`, `latency_max`, `latency_avg`), translated for Keyward's store with " +
    "the caller's workspace injected into every table. Requires `api.*.read_analytics`, or `api.<apiId>.read_analytics` " +
    '(rows of those APIs only). Times are Unix ms; a query sees what its tables still keep (raw events: 30 days). ' +
    '503 when analytics is off; 422 past KEYWARD_ANALYTICS_QUERY_TIMEOUT_MS; 429 past KEYWARD_ANALYTICS_QUERIES_PER_MINUTE.',
  body: GetVerificationsBody,
  data: AnalyticsRows,
  errors: [400, 401, 403, 422, 429, 500, 503],
  handle: async ({ body, ctx, services }) => ({ data: await services.analytics.getVerifications(ctx, body.query) }),
});
