import { EmptyData } from '../../../contract/common.js';
import { RevokeRootKeyBody } from '../../../contract/root-keys.js';
import { defineRoute, emptyData } from '../../route.js';

export default defineRoute({
  operation: 'rootKeys.revokeRootKey',
  summary: 'Revoke a root key: it is refused from the very next request',
  description:
    'Keyward extension. Requires `rootkey.*.delete_root_key`. Every node drops its cached copy at once, so the next ' +
    "request with the key gets 401. A root key may revoke itself. Another workspace's root key answers 404.",
  body: RevokeRootKeyBody,
  data: EmptyData,
  errors: [400, 401, 403, 404, 500],
  handle: ({ body, ctx, services }) => emptyData(services.rootKeys.revoke(ctx, body.rootKeyId)),
});
