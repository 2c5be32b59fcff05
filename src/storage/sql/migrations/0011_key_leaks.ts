import type { Kysely } from 'kysely';

/**
 * Leak reports (src/storage/leaks.ts, docs/decisions/0018-leak-reports.md, docs/operations.md "Leak reports"):
 *
 * - `key_leaks`: one row per reported leak of a key, never the token itself (the key's id names it);
 * - `leak_report_digests`: the digests of signed reports seen recently, so a report replayed to any node is refused;
 *   pruned by age, which bounds it;
 * - `apis.leak_policy`: what a leak of one of the API's keys does, `disable` (the default) or `report`;
 * - `keys_hash`: a leak report names a token, not a workspace, so it is the one lookup by hash across workspaces.
 *   Without this index every reported token would read the whole keys table.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('key_leaks')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('key_id', 'text', (c) => c.notNull())
    .addColumn('reported_at', 'bigint', (c) => c.notNull())
    .addColumn('reporter', 'text', (c) => c.notNull())
    .addColumn('token_type', 'text', (c) => c.notNull())
    .addColumn('url', 'text')
    .addColumn('source', 'text')
    .addColumn('action', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('key_leaks_key').on('key_leaks').columns(['workspace_id', 'key_id', 'reported_at']).execute();
  await db.schema
    .createTable('leak_report_digests')
    .addColumn('digest', 'text', (c) => c.primaryKey())
    .addColumn('seen_at', 'bigint', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('leak_report_digests_seen').on('leak_report_digests').column('seen_at').execute();
  await db.schema
    .alterTable('apis')
    .addColumn('leak_policy', 'text', (c) => c.notNull().defaultTo('disable'))
    .execute();
  await db.schema.createIndex('keys_hash').on('keys').column('hash').execute();
}

export async function down(): Promise<void> {
  throw new Error('Keyward migrations are forward-only; restore a backup to go back.');
}
