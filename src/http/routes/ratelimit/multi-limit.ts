import { MultiLimitBody, MultiLimitData } from '../../../contract/ratelimit.js';
import { defineRoute } from '../../route.js';
import { multiLimitItemData } from '../../../contract/views/ratelimit-limits.js';

export default defineRoute({
  operation: 'ratelimit.multiLimit',
  summary: 'Check several rate limits at once, all or nothing',
  description:
    'The body is an array of 1 to 100 `ratelimit.limit` requests. The costs count only if every check passes; each result still ' +
    'reports whether it alone passed, in request order. Requires `ratelimit.*.limit`, or `ratelimit.<namespaceId>.limit` for every ' +
    'namespace in the batch (plus `ratelimit.*.create_namespace` and `ratelimit.*.limit` when one does not exist yet).',
  body: MultiLimitBody,
  data: MultiLimitData,
  errors: [400, 401, 403, 410, 500],
  async handle({ body, ctx, services }) {
    const { passed, limits } = await services.ratelimits.multiLimit(ctx, body);
    return { data: { passed, limits: limits.map((outcome) => multiLimitItemData(outcome)) } };
  },
});
