import type { Kysely } from 'kysely';
import type { Engine } from '../../store.js';

/**
 * The ordered change log (storage/change-log.ts, docs/decisions/0013-invalidation-change-log.md). Its numbers must
 * never be reused, even after every row is pruned, or a node's cursor would pass over new changes: SQLite needs
 * AUTOINCREMENT for that (a plain INTEGER PRIMARY KEY reuses the highest number once deleted), PostgreSQL's
 * sequence never goes back. `at` is indexed for pruning.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
export async function up(db: Kysely<any>, engine: Engine): Promise<void> {
  await db.schema
    .createTable('change_log')
    .addColumn('seq', engine === 'postgres' ? 'bigserial' : 'integer', (c) =>
      engine === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement(),
    )
    .addColumn('at', 'bigint', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('workspace_id', 'text')
    .addColumn('hash', 'text')
    .execute();
  await db.schema.createIndex('change_log_at').on('change_log').column('at').execute();
}

export async function down(): Promise<void> {
  throw new Error('Keyward migrations are forward-only; restore a backup to go back.');
}
