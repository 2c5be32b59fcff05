import { ListOverridesBody, OverrideData } from '../../../contract/ratelimit.js';
import { defineRoute, pageData } from '../../route.js';
import { overrideData } from '../../../contract/views/ratelimit-overrides.js';

export default defineRoute({
  operation: 'ratelimit.listOverrides',
  summary: "List a namespace's overrides, a page at a time, in creation order",
  description:
    '`cursor` is sent only when there is a next page. ' +
    'Requires `ratelimit.*.read_override` or `ratelimit.<namespaceId>.read_override`.',
  body: ListOverridesBody,
  data: OverrideData,
  paginated: true,
  errors: [400, 401, 403, 404, 500],
  handle: async ({ body, ctx, services }) =>
    pageData(await services.ratelimits.listOverrides(ctx, body.namespace, { cursor: body.cursor, limit: body.limit }), overrideData),
});
