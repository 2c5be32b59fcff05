import { ListNamespacesBody, NamespaceData } from '../../../contract/ratelimit.js';
import { defineRoute, pageData } from '../../route.js';
import { namespaceData } from '../../../contract/views/ratelimit-namespaces.js';

export default defineRoute({
  operation: 'ratelimitNamespaces.listNamespaces',
  summary: "List the workspace's rate-limit namespaces, a page at a time, in creation order",
  description: 'Keyward extension. Deleted namespaces are not listed. Requires `ratelimit.*.read_namespace`.',
  body: ListNamespacesBody,
  data: NamespaceData,
  paginated: true,
  errors: [400, 401, 403, 500],
  handle: async ({ body, ctx, services }) =>
    pageData(await services.ratelimits.listNamespaces(ctx, { cursor: body.cursor, limit: body.limit }), namespaceData),
});
