import { VerificationTimeseriesBody, VerificationTimeseriesData } from '../../../contract/analytics-charts.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'analytics.getVerificationTimeseries',
  summary: 'Verifications per minute, hour, day or month, by outcome, for charts',
  description:
    'Keyward extension. One point per bucket from the bucket `start` falls in to the one `end` falls in (at most 1000), ' +
    'empty buckets as zeros, read from the rollup of `interval`. Filters combine with AND; `tags` keeps verifications ' +
    'that carried every listed tag. A `start` older than that rollup keeps (KEYWARD_ANALYTICS_<INTERVAL>_RETENTION_DAYS) ' +
    'answers 400. Requires `api.*.read_analytics`, or `api.<apiId>.read_analytics` for the APIs it covers: without ' +
    '`apiId` the answer covers every API the root key may read; an `apiId` it may not read answers 404.',
  body: VerificationTimeseriesBody,
  data: VerificationTimeseriesData,
  errors: [400, 401, 403, 404, 422, 500, 503],
  async handle({ body, ctx, services }) {
    const points = await services.analyticsCharts.timeseries(ctx, body);
    return { data: { interval: body.interval, points } };
  },
});
