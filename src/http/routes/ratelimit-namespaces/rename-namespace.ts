import { NamespaceData, RenameNamespaceBody } from '../../../contract/ratelimit.js';
import { defineRoute } from '../../route.js';
import { namespaceData } from '../../../contract/views/ratelimit-namespaces.js';

export default defineRoute({
  operation: 'ratelimitNamespaces.renameNamespace',
  summary: 'Rename a rate-limit namespace',
  description:
    'Keyward extension. Counters and overrides stay with the namespace (they belong to its id); callers using the old name ' +
    'start a new namespace. A name another live namespace has answers 400. ' +
    'Requires `ratelimit.*.update_namespace` or `ratelimit.<namespaceId>.update_namespace`.',
  body: RenameNamespaceBody,
  data: NamespaceData,
  errors: [400, 401, 403, 404, 500],
  handle: async ({ body, ctx, services }) => ({
    data: namespaceData(await services.ratelimits.renameNamespace(ctx, body.namespace, body.name)),
  }),
});
