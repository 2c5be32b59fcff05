import { type Kysely, sql } from 'kysely';
import type { Engine } from '../../store.js';

/**
 * The analytics rollups on PostgreSQL keep 30% of each page free, so the updates every write makes to a bucket's rows
 * stay on their page (HOT updates: no new index entries): src/analytics/ddl.ts says why and what it measured. Kept as
 * text, as 0006 (0006_analytics.test.ts holds the migrations equal to ddl.ts). Pages already full keep their rows until
 * they are updated elsewhere or the table is rewritten (VACUUM FULL, pg_repack); new pages get the room at once.
 */
export const ANALYTICS_FILLFACTOR_0017: readonly string[] = [
  'ALTER TABLE "analytics_verifications_per_minute" SET (fillfactor = 70)',
  'ALTER TABLE "analytics_verifications_per_hour" SET (fillfactor = 70)',
  'ALTER TABLE "analytics_verifications_per_day" SET (fillfactor = 70)',
  'ALTER TABLE "analytics_verifications_per_month" SET (fillfactor = 70)',
  'ALTER TABLE "analytics_ratelimits_per_minute" SET (fillfactor = 70)',
  'ALTER TABLE "analytics_ratelimits_per_hour" SET (fillfactor = 70)',
  'ALTER TABLE "analytics_ratelimits_per_day" SET (fillfactor = 70)',
  'ALTER TABLE "analytics_ratelimits_per_month" SET (fillfactor = 70)',
];

// biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
export async function up(db: Kysely<any>, engine: Engine): Promise<void> {
  if (engine !== 'postgres') return;
  for (const statement of ANALYTICS_FILLFACTOR_0017) await sql.raw(statement).execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Keyward migrations are forward-only; restore a backup to go back.');
}
