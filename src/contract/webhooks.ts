import { Type } from 'typebox';
import { WEBHOOK_EVENT_TYPES } from '../webhooks/events.js';
import { Defaulted, PageCursor, RequestObject, ResourceId, StringEnum } from './common.js';

/**
 * Keyward's webhooks.* (docs/operations.md, "Webhooks"): a workspace's endpoints and the log of their deliveries. An
 * endpoint's secret appears only in the createEndpoint answer.
 */

const EndpointIdField = ResourceId('The webhook endpoint id (`whep_...`).');
const Url = Type.String({
  minLength: 1,
  maxLength: 2048,
  description:
    'Where deliveries are POSTed: http or https, no user name or password. Loopback, private and reserved addresses are refused unless KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES is on.',
});
const Description = Type.String({ maxLength: 255, description: 'What the endpoint is for, for people.' });
const eventTypes = (options: { default?: string[] } = {}) =>
  Type.Array(StringEnum(WEBHOOK_EVENT_TYPES), {
    maxItems: WEBHOOK_EVENT_TYPES.length,
    description: `The event types delivered; empty: every type (${WEBHOOK_EVENT_TYPES.join(', ')}).`,
    ...options,
  });

export const CreateEndpointBody = RequestObject({
  url: Url,
  description: Type.Optional(Description),
  eventTypes: Defaulted(eventTypes({ default: [] })),
  enabled: Defaulted(Type.Boolean({ default: true, description: 'A disabled endpoint queues nothing and is sent nothing.' })),
});
export const CreateEndpointData = Type.Object({
  endpointId: Type.String(),
  secret: Type.String({
    description: 'The signing secret (`whsec_` + base64). Shown only in this answer: keep it where the receiver verifies signatures.',
  }),
});

/** An endpoint as listed: never its secret. */
export const EndpointData = Type.Object({
  id: Type.String(),
  url: Type.String(),
  description: Type.Optional(Type.String()),
  eventTypes: Type.Array(Type.String()),
  enabled: Type.Boolean(),
  createdAt: Type.Integer(),
  updatedAt: Type.Optional(Type.Integer()),
});

export const ListEndpointsBody = RequestObject({
  limit: Defaulted(Type.Integer({ minimum: 1, maximum: 100, default: 100, description: 'Most endpoints per page.' })),
  cursor: Type.Optional(PageCursor),
});

export const UpdateEndpointBody = RequestObject({
  endpointId: EndpointIdField,
  url: Type.Optional(Url),
  description: Type.Optional(Type.Union([Description, Type.Null()], { description: 'null removes it.' })),
  eventTypes: Type.Optional(eventTypes()),
  enabled: Type.Optional(Type.Boolean()),
});

export const DeleteEndpointBody = RequestObject({ endpointId: EndpointIdField });

export const ListDeliveriesBody = RequestObject({
  endpointId: Type.Optional(EndpointIdField),
  limit: Defaulted(Type.Integer({ minimum: 1, maximum: 100, default: 50, description: 'Most deliveries per page, newest first.' })),
  cursor: Type.Optional(PageCursor),
});

/** One delivery's log: no secret, no payload beyond its type, no response body. */
export const DeliveryData = Type.Object({
  id: Type.String({ description: 'The message id, sent as `webhook-id` on every attempt.' }),
  endpointId: Type.String(),
  eventType: Type.String(),
  status: StringEnum(['pending', 'delivered', 'failed'] as const),
  attempts: Type.Integer(),
  createdAt: Type.Integer(),
  nextAttemptAt: Type.Optional(Type.Integer({ description: 'When it is tried next; only while pending.' })),
  lastAttemptAt: Type.Optional(Type.Integer()),
  lastStatusCode: Type.Optional(Type.Integer({ description: "The receiver's HTTP status at the last attempt." })),
  lastError: Type.Optional(Type.String({ description: 'Why the last attempt failed.' })),
  lastDurationMs: Type.Optional(Type.Integer()),
  deliveredAt: Type.Optional(Type.Integer()),
});

export const RedeliverBody = RequestObject({ deliveryId: ResourceId('The delivery id (`msg_...`).') });
