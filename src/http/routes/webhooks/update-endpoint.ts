import { EmptyData } from '../../../contract/common.js';
import { UpdateEndpointBody } from '../../../contract/webhooks.js';
import { defineRoute, emptyData } from '../../route.js';

export default defineRoute({
  operation: 'webhooks.updateEndpoint',
  summary: "Change a webhook endpoint's URL, description, event types or whether it is enabled",
  description:
    'Keyward extension. Requires `webhook.*.update_webhook`. Fields left out keep their value. A disabled endpoint queues ' +
    "nothing new and is sent nothing; what it had queued waits until it is enabled again. Another workspace's endpoint answers 404.",
  body: UpdateEndpointBody,
  data: EmptyData,
  errors: [400, 401, 403, 404, 500],
  handle: ({ body, ctx, services }) => {
    const { endpointId, eventTypes, ...rest } = body;
    return emptyData(
      services.webhooks.updateEndpoint(ctx, endpointId, {
        ...rest,
        ...(eventTypes !== undefined ? { eventTypes: [...new Set(eventTypes)].sort() } : {}),
      }),
    );
  },
});
