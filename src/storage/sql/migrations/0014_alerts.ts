import type { Kysely } from 'kysely';

/**
 * Alerts delivered as webhook events (docs/decisions/0027-alerts-through-the-webhook-outbox.md):
 * - keys.credits_base: the credits a key was given (at creation, or last set or topped up); what "percent used" is of
 *   when the key has no refill (a refilling key's base is its refill amount). Null for every key made before: those
 *   alert only once they have a refill or their credits are set again.
 * - keys.credits_alerted: which thresholds of use have fired since the credits were last given, one bit per
 *   threshold (bit 0: the lowest); a conditional UPDATE setting a bit claims that crossing, so exactly one node
 *   fires it. Reset to 0 when credits are set, topped up or refilled.
 * - keys.expiry_alerted_for: the `expires` value `key.expiring` last fired for; a key whose expiry changes since
 *   fires again. The index on keys(expires) serves the job that finds keys expiring soon.
 * - ratelimit_alerts: when `ratelimit.exceeded` last fired per (workspace, namespace or key, identifier); a conditional
 *   upsert on it claims the next one once the cool-down has passed.
 * Added columns are nullable or have a default, so existing rows need no rewrite on either engine.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('keys').addColumn('credits_base', 'bigint').execute();
  await db.schema
    .alterTable('keys')
    .addColumn('credits_alerted', 'integer', (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable('keys').addColumn('expiry_alerted_for', 'bigint').execute();
  await db.schema.createIndex('keys_expires').on('keys').column('expires').execute();
  await db.schema
    .createTable('ratelimit_alerts')
    .addColumn('workspace_id', 'text', (c) => c.notNull())
    .addColumn('subject_id', 'text', (c) => c.notNull())
    .addColumn('identifier', 'text', (c) => c.notNull())
    .addColumn('last_fired_at', 'bigint', (c) => c.notNull())
    .addPrimaryKeyConstraint('ratelimit_alerts_pk', ['workspace_id', 'subject_id', 'identifier'])
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Keyward migrations are forward-only; restore a backup to go back.');
}
