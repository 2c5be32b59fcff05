import type { Kysely } from 'kysely';

/**
 * The registry of running nodes (src/storage/nodes.ts, docs/operations.md "Nodes"): one row per server process,
 * written at start and on every heartbeat, deleted at a clean stop. The same on both engines. Installation-wide, so
 * no workspace column; the index serves pruning rows not seen for a while.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('nodes')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('hostname', 'text', (c) => c.notNull())
    .addColumn('version', 'text', (c) => c.notNull())
    .addColumn('engine', 'text', (c) => c.notNull())
    .addColumn('database_state', 'text', (c) => c.notNull())
    .addColumn('redis_state', 'text', (c) => c.notNull())
    .addColumn('started_at', 'bigint', (c) => c.notNull())
    .addColumn('last_seen_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('nodes_last_seen').on('nodes').column('last_seen_at').execute();
}

export async function down(): Promise<void> {
  throw new Error('Keyward migrations are forward-only; restore a backup to go back.');
}
