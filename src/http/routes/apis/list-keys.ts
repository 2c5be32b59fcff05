import { KeyData, ListKeysBody } from '../../../contract/keys.js';
import { defineRoute, pageData } from '../../route.js';
import { keyData } from '../../../contract/views/keys.js';

export default defineRoute({
  operation: 'apis.listKeys',
  summary: "List an API's keys, a page at a time, ordered by id",
  description:
    'Requires (`api.*.read_key` or `api.<apiId>.read_key`) and (`api.*.read_api` or `api.<apiId>.read_api`); without them the API ' +
    'answers 404, as upstream. `externalId` keeps the keys of that identity (none: an empty page). `cursor` is sent only when ' +
    'there is a next page. `decrypt: true` requires `api.*.decrypt_key` or `api.<apiId>.decrypt_key`, and fills `plaintext` on the ' +
    'recoverable keys of the page (each read audited as `key.decrypt`) when the server has a vault and the API stores encrypted ' +
    'keys. `revalidateKeysCache` is accepted and has no effect (reads are never cached).',
  body: ListKeysBody,
  data: KeyData,
  paginated: true,
  errors: [400, 401, 403, 404, 500],
  async handle({ body, ctx, services }) {
    const page = await services.keys.list(ctx, body);
    return pageData(page, (key) => keyData(key, page.plaintexts.get(key.id)));
  },
});
