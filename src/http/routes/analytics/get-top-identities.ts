import { TopIdentitiesData, TopUsageBody } from '../../../contract/analytics-charts.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'analytics.getTopIdentities',
  summary: 'The identities whose keys were verified most over a time range, with their outcomes',
  description:
    'Keyward extension. As analytics.getTopKeys, per identity: verifications of keys without an identity are left out. ' +
    'Requires `api.*.read_analytics`, or `api.<apiId>.read_analytics` for the APIs it covers.',
  body: TopUsageBody,
  data: TopIdentitiesData,
  errors: [400, 401, 403, 404, 422, 500, 503],
  async handle({ body, ctx, services }) {
    return { data: { identities: await services.analyticsCharts.topIdentities(ctx, body) } };
  },
});
