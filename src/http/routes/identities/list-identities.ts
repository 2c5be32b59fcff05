import { IdentityData, ListIdentitiesBody } from '../../../contract/identities.js';
import { defineRoute, pageData } from '../../route.js';
import { identityRecordData } from '../../../contract/views/identities.js';

export default defineRoute({
  operation: 'identities.listIdentities',
  summary: 'List identities, a page at a time, ordered by id',
  description:
    'Every identity returned must be readable with `identity.*.read_identity` or `identity.<identityId>.read_identity`, ' +
    'else 403; an empty page needs no permission (as upstream). `search` keeps identities whose id or externalId contains ' +
    'it, ignoring case and surrounding whitespace. `cursor` is sent only when there is a next page.',
  body: ListIdentitiesBody,
  data: IdentityData,
  paginated: true,
  errors: [400, 401, 403, 500],
  handle: async ({ body, ctx, services }) => pageData(await services.identities.list(ctx, body), identityRecordData),
});
