import { DeleteApiBody } from '../../../contract/apis.js';
import { EmptyData } from '../../../contract/common.js';
import { defineRoute, emptyData } from '../../route.js';

export default defineRoute({
  operation: 'apis.deleteApi',
  summary: 'Delete an API',
  description:
    'Soft-deletes the API; its keys stop verifying at once. An API with delete protection answers 412. ' +
    'Requires `api.*.delete_api` or `api.<apiId>.delete_api`.',
  body: DeleteApiBody,
  data: EmptyData,
  errors: [400, 401, 403, 404, 412, 500],
  handle: ({ body, ctx, services }) => emptyData(services.apis.delete(ctx, body.apiId)),
});
