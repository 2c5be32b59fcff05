import { EmptyData } from '../../../contract/common.js';
import { DeleteIdentityBody } from '../../../contract/identities.js';
import { defineRoute, emptyData } from '../../route.js';

export default defineRoute({
  operation: 'identities.deleteIdentity',
  summary: 'Delete an identity; its keys stop carrying it and its rate limits',
  description:
    'Requires `identity.*.delete_identity`. A soft delete: the identity and its limits disappear from every response at once, ' +
    'and its externalId may be used for a new identity. As upstream, the 200 body holds only `meta`.',
  body: DeleteIdentityBody,
  data: EmptyData,
  metaOnly: true,
  errors: [400, 401, 403, 404, 500],
  handle: ({ body, ctx, services }) => emptyData(services.identities.delete(ctx, body.identity)),
});
