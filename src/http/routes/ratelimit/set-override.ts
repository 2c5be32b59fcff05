import { SetOverrideBody, SetOverrideData } from '../../../contract/ratelimit.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'ratelimit.setOverride',
  summary: 'Set a different limit for an identifier or a pattern of identifiers',
  description:
    'Upserts on the exact identifier string, keeping the id of an existing override. `*` in the identifier matches any run of ' +
    'characters. `limit: 0` blocks every matching identifier. The namespace must exist. ' +
    'Requires `ratelimit.*.set_override` or `ratelimit.<namespaceId>.set_override`.',
  body: SetOverrideBody,
  data: SetOverrideData,
  errors: [400, 401, 403, 404, 500],
  handle: async ({ body, ctx, services }) => ({ data: { overrideId: (await services.ratelimits.setOverride(ctx, body)).id } }),
});
