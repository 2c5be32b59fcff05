import type { Static } from 'typebox';
import type { WebhookDeliveryRecord, WebhookEndpointRecord } from '../../storage/store.js';
import type { DeliveryData, EndpointData } from '../webhooks.js';

/** An endpoint as answered: never its secret; absent fields omitted, never null. */
export function endpointData(endpoint: WebhookEndpointRecord): Static<typeof EndpointData> {
  return {
    id: endpoint.id,
    url: endpoint.url,
    ...(endpoint.description !== null ? { description: endpoint.description } : {}),
    eventTypes: endpoint.eventTypes,
    enabled: endpoint.enabled,
    createdAt: endpoint.createdAt,
    ...(endpoint.updatedAt !== null ? { updatedAt: endpoint.updatedAt } : {}),
  };
}

/** A delivery's log entry: no payload, no secret. */
export function deliveryData(delivery: WebhookDeliveryRecord): Static<typeof DeliveryData> {
  return {
    id: delivery.id,
    endpointId: delivery.endpointId,
    eventType: delivery.eventType,
    status: delivery.status,
    attempts: delivery.attempts,
    createdAt: delivery.createdAt,
    ...(delivery.status === 'pending' ? { nextAttemptAt: delivery.nextAttemptAt } : {}),
    ...(delivery.lastAttemptAt !== null ? { lastAttemptAt: delivery.lastAttemptAt } : {}),
    ...(delivery.lastStatusCode !== null ? { lastStatusCode: delivery.lastStatusCode } : {}),
    ...(delivery.lastError !== null ? { lastError: delivery.lastError } : {}),
    ...(delivery.lastDurationMs !== null ? { lastDurationMs: delivery.lastDurationMs } : {}),
    ...(delivery.deliveredAt !== null ? { deliveredAt: delivery.deliveredAt } : {}),
  };
}
