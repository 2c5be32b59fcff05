import { ApiData, GetApiBody } from '../../../contract/apis.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'apis.getApi',
  summary: 'Get an API',
  description: 'Requires `api.*.read_api` or `api.<apiId>.read_api`.',
  body: GetApiBody,
  data: ApiData,
  errors: [400, 401, 403, 404, 500],
  async handle({ body, ctx, services }) {
    const api = await services.apis.get(ctx, body.apiId);
    return { data: { id: api.id, name: api.name } };
  },
});
