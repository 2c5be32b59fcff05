import { call, type ListPage, listPage } from './client';

/**
 * Keyward's `webhooks.*` operations, as the Webhooks page uses them (shapes from src/contract/webhooks.ts). An
 * endpoint's signing secret is in the create answer only; listings never carry it.
 */

/** The event types an endpoint can choose from (src/webhooks/events.ts); none chosen: every type. */
export const WEBHOOK_EVENT_TYPES = [
  'key.created',
  'key.credits_low',
  'key.deleted',
  'key.disabled',
  'key.expiring',
  'key.leaked',
  'key.rerolled',
  'key.updated',
  'ratelimit.exceeded',
  'root_key.created',
  'root_key.revoked',
] as const;

export interface WebhookEndpoint {
  id: string;
  url: string;
  description?: string;
  /** Empty: every event type. */
  eventTypes: string[];
  enabled: boolean;
  createdAt: number;
  updatedAt?: number;
}

/** One event's delivery to one endpoint: its log, never its payload. */
export interface WebhookDelivery {
  /** Sent as `webhook-id` on every attempt. */
  id: string;
  endpointId: string;
  eventType: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  createdAt: number;
  nextAttemptAt?: number;
  lastAttemptAt?: number;
  lastStatusCode?: number;
  lastError?: string;
  deliveredAt?: number;
}

export interface NewEndpoint {
  url: string;
  description?: string;
  eventTypes: string[];
}

export const listEndpoints = (cursor?: string): Promise<ListPage<WebhookEndpoint>> =>
  listPage<WebhookEndpoint>('webhooks.listEndpoints', {}, cursor);

/** One endpoint's deliveries, newest first. */
export const listDeliveries = (endpointId: string, cursor?: string): Promise<ListPage<WebhookDelivery>> =>
  listPage<WebhookDelivery>('webhooks.listDeliveries', { endpointId }, cursor);

export const webhooks = {
  create: (endpoint: NewEndpoint) => call<{ endpointId: string; secret: string }>('webhooks.createEndpoint', endpoint),
  setEnabled: (endpointId: string, enabled: boolean) => call<Record<string, never>>('webhooks.updateEndpoint', { endpointId, enabled }),
  delete: (endpointId: string) => call<Record<string, never>>('webhooks.deleteEndpoint', { endpointId }),
  redeliver: (deliveryId: string) => call<Record<string, never>>('webhooks.redeliver', { deliveryId }),
};
