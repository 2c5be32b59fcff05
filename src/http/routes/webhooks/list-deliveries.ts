import { DeliveryData, ListDeliveriesBody } from '../../../contract/webhooks.js';
import { deliveryData } from '../../../contract/views/webhooks.js';
import { defineRoute, pageData } from '../../route.js';

export default defineRoute({
  operation: 'webhooks.listDeliveries',
  summary: 'List webhook deliveries, newest first: status, attempts, last answer and timing',
  description:
    'Keyward extension. Requires `webhook.*.read_webhook`. Each event is one delivery per endpoint, tried with exponential ' +
    "backoff (5 s doubling, at most 4 h apart) for a day. Neither the payload nor the body of the receiver's answer is kept here.",
  body: ListDeliveriesBody,
  data: DeliveryData,
  paginated: true,
  errors: [400, 401, 403, 404, 500],
  handle: async ({ body, ctx, services }) => pageData(await services.webhooks.listDeliveries(ctx, body), deliveryData),
});
