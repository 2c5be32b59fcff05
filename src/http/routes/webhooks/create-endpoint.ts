import { CreateEndpointBody, CreateEndpointData } from '../../../contract/webhooks.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'webhooks.createEndpoint',
  summary: "Create a webhook endpoint: the workspace's events, signed, POSTed to a URL",
  description:
    'Keyward extension. Requires `webhook.*.create_webhook`. Deliveries are signed as the Standard Webhooks specification ' +
    'describes (webhook-id, webhook-timestamp, webhook-signature) with the secret in this answer, which Keyward never shows ' +
    'again. Loopback, private and reserved addresses are refused (400) unless KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES is on.',
  body: CreateEndpointBody,
  data: CreateEndpointData,
  errors: [400, 401, 403, 500],
  handle: async ({ body, ctx, services }) => ({
    data: await services.webhooks.createEndpoint(ctx, {
      url: body.url,
      ...(body.description !== undefined ? { description: body.description } : {}),
      eventTypes: [...new Set(body.eventTypes)].sort(),
      enabled: body.enabled,
    }),
  }),
});
