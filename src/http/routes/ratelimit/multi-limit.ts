import { MultiLimitBody, MultiLimitData } from '../../../contract/ratelimit.js';
import { defineRoute } from '../../route.js';

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
    return {
      data: {
        passed,
        limits: limits.map((l) => {
          const item = { namespace: l.namespace, identifier: l.identifier, limit: l.limit, remaining: l.remaining, reset: l.reset, passed: l.success };
          return l.overrideId === undefined ? item : { ...item, overrideId: l.overrideId };
        }),
      },
    };
  },
});
