import { TopKeysData, TopUsageBody } from '../../../contract/analytics-charts.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'analytics.getTopKeys',
  summary: 'The most verified keys over a time range, with their outcomes',
  description:
    'Keyward extension. The `limit` keys with the most verifications from `start` to `end`, most first, with the count ' +
    'of each outcome and the credits spent, read from the day rollup (the hour rollup for ranges under two days, whose ' +
    'buckets are then hours: the first is the one `start` falls in). Verifications of unknown keys are left out. ' +
    'Requires `api.*.read_analytics`, or `api.<apiId>.read_analytics` for the APIs it covers: without `apiId` the ' +
    'answer covers every API the root key may read; an `apiId` it may not read answers 404.',
  body: TopUsageBody,
  data: TopKeysData,
  errors: [400, 401, 403, 404, 422, 500, 503],
  async handle({ body, ctx, services }) {
    return { data: { keys: await services.analyticsCharts.topKeys(ctx, body) } };
  },
});
