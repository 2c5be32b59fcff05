import { EmptyData } from '../../../contract/common.js';
import { RedeliverBody } from '../../../contract/webhooks.js';
import { defineRoute, emptyData } from '../../route.js';

export default defineRoute({
  operation: 'webhooks.redeliver',
  summary: 'Send a webhook delivery again, with the same webhook-id',
  description:
    'Keyward extension. Requires `webhook.*.update_webhook`. The delivery is queued from now, whatever it came to before, ' +
    "with another day of retries; receivers that keep the webhook-id can tell it is a repeat. Another workspace's delivery answers 404.",
  body: RedeliverBody,
  data: EmptyData,
  errors: [400, 401, 403, 404, 500],
  handle: ({ body, ctx, services }) => emptyData(services.webhooks.redeliver(ctx, body.deliveryId)),
});
