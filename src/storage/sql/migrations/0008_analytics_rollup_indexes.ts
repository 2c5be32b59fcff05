import { type Kysely, sql } from 'kysely';
import type { Engine } from '../../store.js';

/**
 * An index for one API over time on each verification rollup (src/analytics/ddl.ts, issue 14's query benchmark):
 * their primary key leads with the workspace and the time, so "one API's days" read every API's rows of the range.
 * Kept as text, as 0006 (0006_analytics.test.ts holds 0006 and this equal to ddl.ts). On SQLite the analytics file
 * gets the same indexes from its own schema step (src/analytics/sqlite-file.ts, version 2).
 *
 * CREATE INDEX (not CONCURRENTLY: migrations run in a transaction) holds off analytics writes while it builds; the
 * recorder buffers them meanwhile (KEYWARD_ANALYTICS_BUFFER_EVENTS) and drops past that, counted in /metrics.
 */
export const ANALYTICS_INDEXES_0008: readonly string[] = [
  'CREATE INDEX IF NOT EXISTS "analytics_verifications_per_minute_api_time" ON "analytics_verifications_per_minute" ("workspace_id", "key_space_id", "time")',
  'CREATE INDEX IF NOT EXISTS "analytics_verifications_per_hour_api_time" ON "analytics_verifications_per_hour" ("workspace_id", "key_space_id", "time")',
  'CREATE INDEX IF NOT EXISTS "analytics_verifications_per_day_api_time" ON "analytics_verifications_per_day" ("workspace_id", "key_space_id", "time")',
  'CREATE INDEX IF NOT EXISTS "analytics_verifications_per_month_api_time" ON "analytics_verifications_per_month" ("workspace_id", "key_space_id", "time")',
];

// biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
export async function up(db: Kysely<any>, engine: Engine): Promise<void> {
  if (engine !== 'postgres') return;
  for (const statement of ANALYTICS_INDEXES_0008) await sql.raw(statement).execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Keyward migrations are forward-only; restore a backup to go back.');
}
