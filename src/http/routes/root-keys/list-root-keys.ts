import { ListRootKeysBody, RootKeyData } from '../../../contract/root-keys.js';
import { defineRoute, pageData } from '../../route.js';
import { rootKeyData } from '../../../contract/views/root-keys.js';

export default defineRoute({
  operation: 'rootKeys.listRootKeys',
  summary: "List the workspace's root keys, a page at a time, in creation order",
  description:
    "Keyward extension. Requires `rootkey.*.read_root_key`. Revoked root keys are not listed, and no root key's secret " +
    'is ever returned: `start` tells them apart. `cursor` is sent only when there is a next page.',
  body: ListRootKeysBody,
  data: RootKeyData,
  paginated: true,
  errors: [400, 401, 403, 500],
  handle: async ({ body, ctx, services }) => pageData(await services.rootKeys.list(ctx, body), rootKeyData),
});
