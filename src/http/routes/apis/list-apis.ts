import { ApiListItemData, ListApisBody } from '../../../contract/apis.js';
import { apiListItemData } from '../../../contract/views/apis.js';
import { defineRoute, pageData } from '../../route.js';

export default defineRoute({
  operation: 'apis.listApis',
  summary: "List the workspace's APIs, a page at a time, in creation order (Keyward-only)",
  description:
    'Keyward extension. Deleted APIs are not listed. `api.*.read_api` lists every API; otherwise only the APIs named by the ' +
    '`api.<apiId>.read_api` permissions the root key holds, and holding none answers 403. `cursor` is sent only when there is a ' +
    'next page.',
  body: ListApisBody,
  data: ApiListItemData,
  paginated: true,
  errors: [400, 401, 403, 500],
  handle: async ({ body, ctx, services }) =>
    pageData(await services.apis.list(ctx, { cursor: body.cursor, limit: body.limit }), apiListItemData),
});
