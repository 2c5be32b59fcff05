import { EmptyData } from '../../../contract/common.js';
import { DeleteNamespaceBody } from '../../../contract/ratelimit.js';
import { defineRoute, emptyData } from '../../route.js';

export default defineRoute({
  operation: 'ratelimitNamespaces.deleteNamespace',
  summary: 'Delete a rate-limit namespace',
  description:
    'Keyward extension. Soft delete: ratelimit.limit and multiLimit answer 410 for it from then on, the override endpoints 404. ' +
    'Requires `ratelimit.*.delete_namespace` or `ratelimit.<namespaceId>.delete_namespace`.',
  body: DeleteNamespaceBody,
  data: EmptyData,
  errors: [400, 401, 403, 404, 500],
  handle: ({ body, ctx, services }) => emptyData(services.ratelimits.deleteNamespace(ctx, body.namespace)),
});
