import { RerollRootKeyBody, RerollRootKeyData } from '../../../contract/root-keys.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'rootKeys.rerollRootKey',
  summary: 'Rotate a root key: a new secret with the same permissions, the old one working for a grace period',
  description:
    'Keyward extension. Requires `rootkey.*.create_root_key` and `rootkey.*.delete_root_key`, and, as createRootKey, every ' +
    'permission of the rerolled key (else 403 naming the first one missing). The new key keeps the name, permissions, expiry ' +
    'and environment. The old one works for exactly `expiration` ms more, on every node, then answers 401 like an unknown ' +
    "root key. A key already rerolled answers 412: reroll its successor. Another workspace's root key answers 404.",
  body: RerollRootKeyBody,
  data: RerollRootKeyData,
  errors: [400, 401, 403, 404, 412, 500],
  handle: async ({ body, ctx, services }) => ({ data: await services.rootKeys.reroll(ctx, body) }),
});
