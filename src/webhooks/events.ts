import type { AuditEntry } from '../storage/store.js';

/**
 * The webhook event types and the audit events they are made from (docs/decisions/0019-webhooks-from-the-audit-write.md):
 * an event is queued by the same transaction that writes its audit record, so it exists exactly when the change does.
 */
export const WEBHOOK_EVENT_OF_AUDIT: Readonly<Record<string, string>> = {
  'key.create': 'key.created',
  'key.update': 'key.updated',
  'key.disable': 'key.disabled',
  'key.delete': 'key.deleted',
  'key.reroll': 'key.rerolled',
  'key.leaked': 'key.leaked',
  'rootKey.create': 'root_key.created',
  'rootKey.revoke': 'root_key.revoked',
};

/** How long a queued event is retried: a day from when it was queued (or redelivered). */
export const WEBHOOK_RETRY_WINDOW_MS = 24 * 60 * 60 * 1000;

/**
 * Alerts: events no audit record describes, each queued by the store's claim of it (docs/decisions/0027).
 */
export const ALERT_EVENT_TYPES = {
  creditsLow: 'key.credits_low',
  keyExpiring: 'key.expiring',
  ratelimitExceeded: 'ratelimit.exceeded',
} as const;

export const WEBHOOK_EVENT_TYPES: readonly string[] = [
  ...new Set([...Object.values(WEBHOOK_EVENT_OF_AUDIT), ...Object.values(ALERT_EVENT_TYPES)]),
].sort();

/** The webhook event an audit record makes, if any. */
export const webhookEventOf = (auditEvent: string): string | undefined =>
  Object.hasOwn(WEBHOOK_EVENT_OF_AUDIT, auditEvent) ? WEBHOOK_EVENT_OF_AUDIT[auditEvent] : undefined;

/**
 * The body delivered for an audit record: `{ type, timestamp, data }` as the Standard Webhooks specification suggests.
 * Audit records hold no secret (decision 0010), so neither does this.
 */
export function webhookPayload(type: string, entry: AuditEntry): string {
  return JSON.stringify({
    type,
    timestamp: new Date(entry.time).toISOString(),
    data: {
      workspaceId: entry.workspaceId,
      auditLogId: entry.id,
      auditEvent: entry.event,
      actor: { type: entry.actor.type, id: entry.actor.id, ...(entry.actor.name ? { name: entry.actor.name } : {}) },
      description: entry.description,
      resources: entry.resources,
    },
  });
}

/** The body delivered for an alert: `{ type, timestamp, data }` like every event; `data` holds ids and figures, no secret. */
export function alertPayload(type: string, workspaceId: string, time: number, data: Record<string, unknown>): string {
  return JSON.stringify({ type, timestamp: new Date(time).toISOString(), data: { workspaceId, ...data } });
}
