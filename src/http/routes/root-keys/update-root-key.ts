import { RootKeyData, UpdateRootKeyBody } from '../../../contract/root-keys.js';
import { defineRoute } from '../../route.js';
import { rootKeyData } from '../../../contract/views/root-keys.js';

export default defineRoute({
  operation: 'rootKeys.updateRootKey',
  summary: 'Rename a root key or replace its permissions',
  description:
    'Keyward extension. Requires `rootkey.*.update_root_key`. `permissions` replaces the whole set and obeys the rules of ' +
    'createRootKey: only permissions the calling root key holds itself (a root key cannot raise itself either). The ' +
    "change applies from the next request on every node. Another workspace's root key answers 404.",
  body: UpdateRootKeyBody,
  data: RootKeyData,
  errors: [400, 401, 403, 404, 500],
  handle: async ({ body, ctx, services }) => ({ data: rootKeyData(await services.rootKeys.update(ctx, body)) }),
});
