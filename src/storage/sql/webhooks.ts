import { sql } from 'kysely';
import { newId } from '../../core/ids.js';
import { WEBHOOK_RETRY_WINDOW_MS, webhookEventOf, webhookPayload } from '../../webhooks/events.js';
import { SECRET_PREFIX } from '../../webhooks/standard-webhooks.js';
import type {
  AuditEntry,
  ClaimedWebhookDelivery,
  PlaintextWebhookSecret,
  WebhookAttemptResult,
  WebhookDeliveryRecord,
  WebhookDeliveryStatus,
  WebhookEndpointRecord,
  WebhookOps,
} from '../store.js';
import type { SqlDialect } from './dialect.js';
import { bool, num, pageAfter, startsWithPattern, stringsFrom, type Executor } from './shared.js';
import type { Tables } from './tables.js';

const endpointOf = (row: Tables['webhook_endpoints']): WebhookEndpointRecord => ({
  id: row.id,
  workspaceId: row.workspace_id,
  url: row.url,
  description: row.description,
  secret: row.secret,
  eventTypes: stringsFrom(row.event_types),
  enabled: bool(row.enabled),
  createdAt: Number(row.created_at),
  updatedAt: num(row.updated_at),
});

// PostgreSQL answers a BIGINT as a string.
const deliveryOf = (row: Tables['webhook_deliveries']): WebhookDeliveryRecord => ({
  id: row.id,
  workspaceId: row.workspace_id,
  endpointId: row.endpoint_id,
  eventType: row.event_type,
  payload: row.payload,
  status: row.status as WebhookDeliveryStatus,
  attempts: Number(row.attempts),
  nextAttemptAt: Number(row.next_attempt_at),
  giveUpAt: Number(row.give_up_at),
  createdAt: Number(row.created_at),
  lastAttemptAt: num(row.last_attempt_at),
  lastStatusCode: num(row.last_status_code),
  lastError: row.last_error,
  lastDurationMs: num(row.last_duration_ms),
  deliveredAt: num(row.delivered_at),
});

/** One webhook event to queue: its type, its body, and when it happened (the time of its first attempt). */
export interface QueuedWebhookEvent {
  workspaceId: string;
  type: string;
  payload: string;
  time: number;
}

/** Delivery rows per INSERT: 15 values each. */
const ROWS_PER_INSERT = 500;

/**
 * Queues the webhook events the transaction's audit records make. Called by the store's transaction right after the
 * records are appended (sql-store.ts), so an event is queued exactly when its change commits.
 */
export async function queueWebhookEvents(db: Executor, entries: readonly AuditEntry[]): Promise<void> {
  await queueEvents(
    db,
    entries.flatMap((entry) => {
      const type = webhookEventOf(entry.event);
      if (!type) return [];
      // Built only for a delivery, once: most workspaces have no endpoint, and every key creation makes an event.
      let payload: string | undefined;
      return [
        {
          workspaceId: entry.workspaceId,
          type,
          get payload() {
            payload ??= webhookPayload(type, entry);
            return payload;
          },
          time: entry.time,
        },
      ];
    }),
  );
}

/**
 * Queues events, one delivery per enabled endpoint of the event's workspace that takes its type, on `db` (the
 * transaction of the change or claim the events report). One indexed read when there are events; nothing otherwise.
 */
export async function queueEvents(db: Executor, events: readonly QueuedWebhookEvent[]): Promise<void> {
  if (events.length === 0) return;
  const workspaces = [...new Set(events.map((e) => e.workspaceId))];
  const endpoints = (
    await db.selectFrom('webhook_endpoints').selectAll().where('workspace_id', 'in', workspaces).where('enabled', '=', 1).execute()
  ).map(endpointOf);
  if (endpoints.length === 0) return;
  const rows: Tables['webhook_deliveries'][] = [];
  for (const { workspaceId, type, payload, time } of events) {
    for (const endpoint of endpoints) {
      if (endpoint.workspaceId !== workspaceId) continue;
      if (endpoint.eventTypes.length > 0 && !endpoint.eventTypes.includes(type)) continue;
      rows.push({
        id: newId('webhookMessage', time),
        workspace_id: workspaceId,
        endpoint_id: endpoint.id,
        event_type: type,
        payload,
        status: 'pending',
        attempts: 0,
        next_attempt_at: time,
        give_up_at: time + WEBHOOK_RETRY_WINDOW_MS,
        created_at: time,
        last_attempt_at: null,
        last_status_code: null,
        last_error: null,
        last_duration_ms: null,
        delivered_at: null,
      });
    }
  }
  // In slices: a group of transactions (docs/decisions/0032) may queue thousands, and an INSERT binds at most 32,766
  // values on SQLite, 65,535 on PostgreSQL.
  for (let i = 0; i < rows.length; i += ROWS_PER_INSERT) {
    await db
      .insertInto('webhook_deliveries')
      .values(rows.slice(i, i + ROWS_PER_INSERT))
      .execute();
  }
}

export function webhookSql(db: Executor, dialect: SqlDialect): WebhookOps {
  return {
    async createWebhookEndpoint(endpoint: WebhookEndpointRecord): Promise<void> {
      await db
        .insertInto('webhook_endpoints')
        .values({
          id: endpoint.id,
          workspace_id: endpoint.workspaceId,
          url: endpoint.url,
          description: endpoint.description,
          secret: endpoint.secret,
          event_types: JSON.stringify(endpoint.eventTypes),
          enabled: endpoint.enabled ? 1 : 0,
          created_at: endpoint.createdAt,
          updated_at: endpoint.updatedAt,
        })
        .execute();
    },

    async findWebhookEndpoint(workspaceId: string, endpointId: string): Promise<WebhookEndpointRecord | undefined> {
      const row = await db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', endpointId)
        .executeTakeFirst();
      return row && endpointOf(row);
    },

    async listWebhookEndpoints(q): Promise<WebhookEndpointRecord[]> {
      const rows = await db
        .selectFrom('webhook_endpoints')
        .selectAll()
        .where('workspace_id', '=', q.workspaceId)
        .$call(pageAfter(q))
        .execute();
      return rows.map(endpointOf);
    },

    async updateWebhookEndpoint(workspaceId, endpointId, changes, now): Promise<boolean> {
      const result = await db
        .updateTable('webhook_endpoints')
        .set({
          ...(changes.url !== undefined ? { url: changes.url } : {}),
          ...(changes.description !== undefined ? { description: changes.description } : {}),
          ...(changes.eventTypes !== undefined ? { event_types: JSON.stringify(changes.eventTypes) } : {}),
          ...(changes.enabled !== undefined ? { enabled: changes.enabled ? 1 : 0 } : {}),
          updated_at: now,
        })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', endpointId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async deleteWebhookEndpoint(workspaceId: string, endpointId: string): Promise<boolean> {
      await db.deleteFrom('webhook_deliveries').where('workspace_id', '=', workspaceId).where('endpoint_id', '=', endpointId).execute();
      const result = await db
        .deleteFrom('webhook_endpoints')
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', endpointId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async listWebhookDeliveries(q): Promise<WebhookDeliveryRecord[]> {
      let query = db.selectFrom('webhook_deliveries').selectAll().where('workspace_id', '=', q.workspaceId);
      if (q.endpointId !== undefined) query = query.where('endpoint_id', '=', q.endpointId);
      if (q.cursor !== undefined) query = query.where('id', '<', q.cursor);
      const rows = await query.orderBy('id', 'desc').limit(q.limit).execute();
      return rows.map(deliveryOf);
    },

    async findWebhookDelivery(workspaceId: string, deliveryId: string): Promise<WebhookDeliveryRecord | undefined> {
      const row = await db
        .selectFrom('webhook_deliveries')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', deliveryId)
        .executeTakeFirst();
      return row && deliveryOf(row);
    },

    async redeliverWebhook(workspaceId, deliveryId, now, giveUpAt): Promise<boolean> {
      const result = await db
        .updateTable('webhook_deliveries')
        .set({ status: 'pending', next_attempt_at: now, give_up_at: giveUpAt })
        .where('workspace_id', '=', workspaceId)
        .where('id', '=', deliveryId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async claimWebhookDeliveries(now: number, limit: number, leaseMs: number): Promise<ClaimedWebhookDelivery[]> {
      // One statement: the rows are chosen and moved past the lease atomically. PostgreSQL skips rows another node's
      // claim holds locked instead of waiting for them (and then finding them claimed); SQLite has one writer.
      const lock = dialect.engine === 'postgres' ? sql` FOR UPDATE SKIP LOCKED` : sql``;
      const claimed = (
        await sql<Tables['webhook_deliveries']>`UPDATE webhook_deliveries
          SET attempts = attempts + 1, next_attempt_at = ${now + leaseMs}
          WHERE id IN (SELECT id FROM webhook_deliveries WHERE status = 'pending' AND next_attempt_at <= ${now}
            AND endpoint_id IN (SELECT id FROM webhook_endpoints WHERE enabled = 1)
            ORDER BY next_attempt_at, id LIMIT ${limit}${lock})
          RETURNING *`.execute(db)
      ).rows.map(deliveryOf);
      if (claimed.length === 0) return [];
      const endpoints = await db
        .selectFrom('webhook_endpoints')
        .select(['id', 'url', 'secret'])
        .where('id', 'in', [...new Set(claimed.map((d) => d.endpointId))])
        .execute();
      const byId = new Map(endpoints.map((e) => [e.id, e]));
      return claimed.flatMap((delivery) => {
        const endpoint = byId.get(delivery.endpointId);
        return endpoint ? [{ ...delivery, url: endpoint.url, secret: endpoint.secret }] : [];
      });
    },

    async recordWebhookAttempt(deliveryId: string, attempt: number, result: WebhookAttemptResult): Promise<boolean> {
      const status: WebhookDeliveryStatus = result.ok ? 'delivered' : result.nextAttemptAt === null ? 'failed' : 'pending';
      const updated = await db
        .updateTable('webhook_deliveries')
        .set({
          status,
          last_attempt_at: result.at,
          last_status_code: result.statusCode,
          last_error: result.error,
          last_duration_ms: Math.round(result.durationMs),
          ...(result.ok ? { delivered_at: result.at } : {}),
          ...(result.nextAttemptAt !== null ? { next_attempt_at: result.nextAttemptAt } : {}),
        })
        .where('id', '=', deliveryId)
        .where('attempts', '=', attempt)
        .where('status', '=', 'pending')
        .executeTakeFirst();
      return Number(updated.numUpdatedRows) > 0;
    },

    async listPlaintextWebhookSecrets(limit: number): Promise<PlaintextWebhookSecret[]> {
      const rows = await db
        .selectFrom('webhook_endpoints')
        .select(['id', 'workspace_id', 'secret'])
        .where(sql<boolean>`secret LIKE ${startsWithPattern(SECRET_PREFIX)} ESCAPE '\\'`)
        .orderBy('id')
        .limit(limit)
        .execute();
      return rows.map((row) => ({ workspaceId: row.workspace_id, endpointId: row.id, secret: row.secret }));
    },

    async sealWebhookSecret(endpointId: string, plaintext: string, sealed: string): Promise<boolean> {
      const result = await db
        .updateTable('webhook_endpoints')
        .set({ secret: sealed })
        .where('id', '=', endpointId)
        .where('secret', '=', plaintext)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
