import { GetIdentityBody, IdentityData } from '../../../contract/identities.js';
import { defineRoute } from '../../route.js';
import { identityRecordData } from '../../../contract/views/identities.js';

export default defineRoute({
  operation: 'identities.getIdentity',
  summary: 'Get an identity by its id or its externalId',
  description:
    'Requires `identity.*.read_identity` or `identity.<identityId>.read_identity`. As upstream, a missing identity answers 404 ' +
    'before the permission is checked.',
  body: GetIdentityBody,
  data: IdentityData,
  errors: [400, 401, 403, 404, 500],
  handle: async ({ body, ctx, services }) => ({ data: identityRecordData(await services.identities.get(ctx, body.identity)) }),
});
