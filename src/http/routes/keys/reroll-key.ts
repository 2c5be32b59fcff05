import { CreateKeyData, RerollKeyBody } from '../../../contract/keys.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'keys.rerollKey',
  summary: 'Replace a key with a new one that has the same settings; the old one keeps working for a grace period',
  description:
    'Requires `api.*.create_key` or `api.<apiId>.create_key`. The new key copies name, meta, expiry, enabled, credits and refill, ' +
    "identity, key-level rate limits (with new ids), direct roles and direct permissions, and uses the old key's prefix. " +
    'The old key stops verifying `expiration` ms from now, rounded up to the whole minute (0: at once), or earlier if it already expired sooner. ' +
    "A recoverable key's successor is recoverable too, which also requires `api.*.encrypt_key` or `api.<apiId>.encrypt_key` (403), a vault and " +
    'encrypted key storage on the API (412).',
  body: RerollKeyBody,
  data: CreateKeyData,
  errors: [400, 401, 403, 404, 412, 500],
  handle: async ({ body, ctx, services }) => ({ data: await services.keys.reroll(ctx, body.keyId, body.expiration) }),
});
