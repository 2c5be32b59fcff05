/**
 * Webhooks (migration 0012, docs/decisions/0019-webhooks-from-the-audit-write.md): a workspace's endpoints, and the
 * outbox of their deliveries. Deliveries are queued by the store itself when a transaction appends an audit record
 * that makes a webhook event (webhooks/events.ts), so no service can change something and forget its event.
 */

export interface WebhookEndpointRecord {
  id: string;
  workspaceId: string;
  url: string;
  description: string | null;
  /**
   * What deliveries are signed with, as stored: the vault's ciphertext of it when a vault is configured, else `whsec_...`
   * itself (webhooks/endpoint-secrets.ts). Never answered after creation.
   */
  secret: string;
  /** The event types delivered; empty: every type. */
  eventTypes: string[];
  enabled: boolean;
  createdAt: number;
  updatedAt: number | null;
}

export type WebhookDeliveryStatus = 'pending' | 'delivered' | 'failed';

/** One event for one endpoint: the outbox row, and its log (no secret, no response body). */
export interface WebhookDeliveryRecord {
  /** `msg_...`, sent as webhook-id: the same on every attempt, so a receiver can drop repeats. */
  id: string;
  workspaceId: string;
  endpointId: string;
  eventType: string;
  payload: string;
  status: WebhookDeliveryStatus;
  attempts: number;
  nextAttemptAt: number;
  /** After a failed attempt at or past this time the delivery is `failed` and not tried again (a day after it was queued). */
  giveUpAt: number;
  createdAt: number;
  lastAttemptAt: number | null;
  lastStatusCode: number | null;
  /** Why the last attempt failed, in Keyward's words (never the response body). */
  lastError: string | null;
  lastDurationMs: number | null;
  deliveredAt: number | null;
}

/** A claimed delivery with what sending it needs. */
export interface ClaimedWebhookDelivery extends WebhookDeliveryRecord {
  url: string;
  /** The endpoint's secret as stored: opened only to sign (webhooks/endpoint-secrets.ts). */
  secret: string;
}

/** An endpoint whose secret is stored as it is, `whsec_...`, from before a vault was configured. */
export interface PlaintextWebhookSecret {
  workspaceId: string;
  endpointId: string;
  secret: string;
}

export interface WebhookAttemptResult {
  at: number;
  /** A 2xx answer: the delivery is done for good. */
  ok: boolean;
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  /** When to try again after a failure; null: give up (status `failed`). */
  nextAttemptAt: number | null;
}

export interface WebhookEndpointChanges {
  url?: string;
  description?: string | null;
  eventTypes?: string[];
  enabled?: boolean;
}

export interface WebhookOps {
  createWebhookEndpoint(endpoint: WebhookEndpointRecord): Promise<void>;
  findWebhookEndpoint(workspaceId: string, endpointId: string): Promise<WebhookEndpointRecord | undefined>;
  /** In creation order, after `cursor`. */
  listWebhookEndpoints(q: { workspaceId: string; cursor?: string; limit: number }): Promise<WebhookEndpointRecord[]>;
  /** False when the workspace has no such endpoint. */
  updateWebhookEndpoint(workspaceId: string, endpointId: string, changes: WebhookEndpointChanges, now: number): Promise<boolean>;
  /** Deletes the endpoint and its deliveries, sent or not; false when the workspace has no such endpoint. */
  deleteWebhookEndpoint(workspaceId: string, endpointId: string): Promise<boolean>;
  /** Newest first, ids before `cursor`; one endpoint's only when `endpointId` is given. */
  listWebhookDeliveries(q: { workspaceId: string; endpointId?: string; cursor?: string; limit: number }): Promise<WebhookDeliveryRecord[]>;
  findWebhookDelivery(workspaceId: string, deliveryId: string): Promise<WebhookDeliveryRecord | undefined>;
  /** Queues a delivery again, whatever its status: pending from `now`, given another day. False when there is none. */
  redeliverWebhook(workspaceId: string, deliveryId: string, now: number, giveUpAt: number): Promise<boolean>;
  /**
   * Claims up to `limit` pending deliveries of enabled endpoints due at `now`, oldest due first, for `leaseMs`: each one's attempt count
   * goes up and its next attempt moves to `now + leaseMs`, so no other claim takes it meanwhile. On PostgreSQL the
   * rows are picked with FOR UPDATE SKIP LOCKED, so nodes claiming at once each get different rows.
   */
  claimWebhookDeliveries(now: number, limit: number, leaseMs: number): Promise<ClaimedWebhookDelivery[]>;
  /**
   * Records the outcome of attempt number `attempt`; ignored (false) when the delivery has since been claimed again,
   * redelivered or deleted, so a slow sender cannot overwrite a newer state.
   */
  recordWebhookAttempt(deliveryId: string, attempt: number, result: WebhookAttemptResult): Promise<boolean>;
  /** Up to `limit` endpoints whose secret is stored unsealed (`whsec_...`), in id order. */
  listPlaintextWebhookSecrets(limit: number): Promise<PlaintextWebhookSecret[]>;
  /**
   * Replaces an endpoint's unsealed secret by its sealed form, only if it still holds `plaintext` (compare and set: two
   * nodes sealing at once, or an endpoint deleted meanwhile, change nothing twice). False when it did not.
   */
  sealWebhookSecret(endpointId: string, plaintext: string, sealed: string): Promise<boolean>;
}
