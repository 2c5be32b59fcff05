import { KeyData, WhoamiBody } from '../../../contract/keys.js';
import { defineRoute } from '../../route.js';
import { keyData } from '../../../contract/views/keys.js';

export default defineRoute({
  operation: 'keys.whoami',
  summary: 'Find a key by the key itself',
  description:
    'Looks the key up by its hash; disabled and expired keys are returned too. Requires `api.*.read_key` or ' +
    '`api.<apiId>.read_key`; without it the key answers 404, exactly as a key that does not exist (as upstream).',
  body: WhoamiBody,
  data: KeyData,
  errors: [400, 401, 403, 404, 500],
  handle: async ({ body, ctx, services }) => ({ data: keyData(await services.keys.whoami(ctx, body.key)) }),
});
