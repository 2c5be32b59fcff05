import { CreateIdentityBody, CreateIdentityData } from '../../../contract/identities.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'identities.createIdentity',
  summary: 'Create an identity: an owner whose keys share its meta and rate limits',
  description:
    'Requires `identity.*.create_identity`. A live identity with the same `externalId` answers 409. Keys join it through ' +
    'their `externalId`. `meta` may hold up to 100 properties and 1 MiB as JSON.',
  body: CreateIdentityBody,
  data: CreateIdentityData,
  errors: [400, 401, 403, 409, 500],
  handle: async ({ body, ctx, services }) => ({ data: { identityId: await services.identities.create(ctx, body) } }),
});
