import type { Kysely } from 'kysely';

/**
 * How an API's new keys are made (docs/decisions/0017-checksummed-key-format.md). APIs that exist when it runs keep
 * making keys as they did (`base58`), so nothing their users parse or pattern-match changes; the service writes
 * `checksummed` for every API created afterwards. The same on both engines: a NOT NULL column with a default is one
 * cheap ALTER on SQLite and (since PostgreSQL 11) on PostgreSQL.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable('apis')
    .addColumn('key_format', 'text', (c) => c.notNull().defaultTo('base58'))
    .execute();
}

export async function down(): Promise<void> {
  throw new Error('Keyward migrations are forward-only; restore a backup to go back.');
}
