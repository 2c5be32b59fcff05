import { IdentityData, UpdateIdentityBody } from '../../../contract/identities.js';
import { defineRoute } from '../../route.js';
import { identityRecordData } from '../../../contract/views/identities.js';

export default defineRoute({
  operation: 'identities.updateIdentity',
  summary: "Replace an identity's meta or rate limits",
  description:
    'Requires `identity.*.update_identity`. `meta` replaces the whole object (up to 1 MiB as JSON). `ratelimits` replaces ' +
    'the limits by name: listed names keep their ids, unlisted ones are deleted, a name given twice answers 400. An absent ' +
    'field stays as it is. Returns the identity as it now is; its keys see the change at once.',
  body: UpdateIdentityBody,
  data: IdentityData,
  errors: [400, 401, 403, 404, 500],
  handle: async ({ body, ctx, services }) => ({ data: identityRecordData(await services.identities.update(ctx, body)) }),
});
