import { EmptyData } from '../../../contract/common.js';
import { DeleteKeyBody } from '../../../contract/keys.js';
import { defineRoute, emptyData } from '../../route.js';

export default defineRoute({
  operation: 'keys.deleteKey',
  summary: 'Delete a key; it stops verifying at once',
  description:
    'Requires `api.*.delete_key` or `api.<apiId>.delete_key`. A soft delete by default; `permanent: true` removes the key ' +
    'with its limits, roles and permissions for good. Either way getKey then answers 404.',
  body: DeleteKeyBody,
  data: EmptyData,
  errors: [400, 401, 403, 404, 500],
  handle: ({ body, ctx, services }) => emptyData(services.keys.delete(ctx, body.keyId, body.permanent)),
});
