import { ListOverridesBody, OverrideData } from '../../../contract/ratelimit.js';
import { defineRoute } from '../../route.js';
import { overrideData } from '../../../contract/views/ratelimit-overrides.js';

export default defineRoute({
  operation: 'ratelimit.listOverrides',
  summary: 'List a namespace\'s overrides, a page at a time, in creation order',
  description:
    '`cursor` is sent only when there is a next page. ' +
    'Requires `ratelimit.*.read_override` or `ratelimit.<namespaceId>.read_override`.',
  body: ListOverridesBody,
  data: OverrideData,
  paginated: true,
  errors: [400, 401, 403, 404, 500],
  async handle({ body, ctx, services }) {
    const page = await services.ratelimits.listOverrides(ctx, body.namespace, { cursor: body.cursor, limit: body.limit });
    return {
      data: page.items.map(overrideData),
      pagination: page.cursor === undefined ? { hasMore: page.hasMore } : { hasMore: page.hasMore, cursor: page.cursor },
    };
  },
});
