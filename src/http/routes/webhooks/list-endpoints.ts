import { EndpointData, ListEndpointsBody } from '../../../contract/webhooks.js';
import { endpointData } from '../../../contract/views/webhooks.js';
import { defineRoute, pageData } from '../../route.js';

export default defineRoute({
  operation: 'webhooks.listEndpoints',
  summary: "List the workspace's webhook endpoints, never their secrets",
  description: 'Keyward extension. Requires `webhook.*.read_webhook`. In creation order.',
  body: ListEndpointsBody,
  data: EndpointData,
  paginated: true,
  errors: [400, 401, 403, 500],
  handle: async ({ body, ctx, services }) => pageData(await services.webhooks.listEndpoints(ctx, body), endpointData),
});
