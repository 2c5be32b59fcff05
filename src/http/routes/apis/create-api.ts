import { CreateApiBody, CreateApiData } from '../../../contract/apis.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'apis.createApi',
  summary: 'Create an API (a namespace that keys belong to)',
  description: 'Requires `api.*.create_api`.',
  body: CreateApiBody,
  data: CreateApiData,
  errors: [400, 401, 403, 500],
  handle: async ({ body, ctx, services }) => ({ data: { apiId: (await services.apis.create(ctx, body.name)).id } }),
});
