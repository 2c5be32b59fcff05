import { EmptyData } from '../../../contract/common.js';
import { DeleteEndpointBody } from '../../../contract/webhooks.js';
import { defineRoute, emptyData } from '../../route.js';

export default defineRoute({
  operation: 'webhooks.deleteEndpoint',
  summary: 'Delete a webhook endpoint and its deliveries, sent or not',
  description: "Keyward extension. Requires `webhook.*.delete_webhook`. Another workspace's endpoint answers 404.",
  body: DeleteEndpointBody,
  data: EmptyData,
  errors: [400, 401, 403, 404, 500],
  handle: ({ body, ctx, services }) => emptyData(services.webhooks.deleteEndpoint(ctx, body.endpointId)),
});
