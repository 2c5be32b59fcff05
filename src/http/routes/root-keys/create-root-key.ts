import { CreateRootKeyBody, CreateRootKeyData } from '../../../contract/root-keys.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'rootKeys.createRootKey',
  summary: 'Create a root key holding some of the permissions the calling root key holds',
  description:
    'Keyward extension. Requires `rootkey.*.create_root_key`. Every permission must be one Keyward knows (else 400) and be ' +
    'held by the calling root key: a tuple exactly or through its `*` form, a URN through a URN grant that covers it ' +
    '(else 403 naming the first one missing). A root key that expires cannot create one that outlives it. The key is in ' +
    'this response only; Keyward keeps its hash.',
  body: CreateRootKeyBody,
  data: CreateRootKeyData,
  errors: [400, 401, 403, 500],
  handle: async ({ body, ctx, services }) => ({ data: await services.rootKeys.create(ctx, body) }),
});
