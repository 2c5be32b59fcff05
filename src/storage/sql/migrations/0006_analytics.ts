import { type Kysely, sql } from 'kysely';
import { analyticsDdl } from '../../../analytics/ddl.js';
import type { Engine } from '../../store.js';

/**
 * The analytics tables on PostgreSQL (src/analytics/schema.ts, docs/decisions/0014-analytics-in-keywards-own-stores.md).
 * On SQLite they live in a file of their own (src/analytics/sqlite-file.ts), so the main database gets nothing here.
 * A later change to schema.ts needs a migration of its own: this one must keep creating what 0006 created.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
export async function up(db: Kysely<any>, engine: Engine): Promise<void> {
  if (engine !== 'postgres') return;
  for (const statement of analyticsDdl('postgres')) await sql.raw(statement).execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Keyward migrations are forward-only; restore a backup to go back.');
}
