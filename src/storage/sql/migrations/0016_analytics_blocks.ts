import { type Kysely, sql } from 'kysely';
import type { Engine } from '../../store.js';

/**
 * Raw analytics events in blocks on PostgreSQL too (src/analytics/blocks.ts, docs/decisions/0044): a row per key (or
 * identifier) and write instead of a row per event, which cost the database backend about 11 us of CPU per event in
 * the row and its three index entries (bench/RESULTS.md, "Session 16"). Kept as text, as 0006
 * (0006_analytics.test.ts holds 0006, 0008 and this equal to src/analytics/ddl.ts).
 *
 * Each raw table's rows move into blocks of a key (or identifier) and minute, the table is dropped, and a view under
 * its name shows the blocks' events as its rows, so queries that read it read the same rows. The move runs in the
 * migration's transaction and takes time in proportion to the stored events (docs/operations.md, "Upgrading").
 * Nodes of an older version cannot write analytics meanwhile or after (their INSERT meets the view): they buffer,
 * retry and then drop their batches, counted in /metrics, until they are upgraded.
 */
export const ANALYTICS_BLOCKS_0016: readonly string[] = [
  'CREATE TABLE IF NOT EXISTS "analytics_verification_blocks" ("workspace_id" text NOT NULL, "key_space_id" text NOT NULL, "key_id" text NOT NULL, "identity_id" text NOT NULL, "external_id" text NOT NULL, "first_time" bigint NOT NULL, "last_time" bigint NOT NULL, "events" text NOT NULL)',
  'CREATE INDEX IF NOT EXISTS "analytics_verification_blocks_workspace_last_time" ON "analytics_verification_blocks" ("workspace_id", "last_time")',
  'CREATE INDEX IF NOT EXISTS "analytics_verification_blocks_workspace_key_last_time" ON "analytics_verification_blocks" ("workspace_id", "key_id", "last_time")',
  'CREATE INDEX IF NOT EXISTS "analytics_verification_blocks_workspace_key_space_last_time" ON "analytics_verification_blocks" ("workspace_id", "key_space_id", "last_time")',
  'CREATE INDEX IF NOT EXISTS "analytics_verification_blocks_first_time" ON "analytics_verification_blocks" ("first_time")',
  'CREATE TABLE IF NOT EXISTS "analytics_ratelimit_blocks" ("workspace_id" text NOT NULL, "namespace_id" text NOT NULL, "identifier" text NOT NULL, "first_time" bigint NOT NULL, "last_time" bigint NOT NULL, "events" text NOT NULL)',
  'CREATE INDEX IF NOT EXISTS "analytics_ratelimit_blocks_workspace_last_time" ON "analytics_ratelimit_blocks" ("workspace_id", "last_time")',
  'CREATE INDEX IF NOT EXISTS "analytics_ratelimit_blocks_workspace_namespace_last_time" ON "analytics_ratelimit_blocks" ("workspace_id", "namespace_id", "last_time")',
  'CREATE INDEX IF NOT EXISTS "analytics_ratelimit_blocks_first_time" ON "analytics_ratelimit_blocks" ("first_time")',
];

/** The views, made once the raw tables are gone. */
export const ANALYTICS_VIEWS_0016: readonly string[] = [
  'CREATE OR REPLACE VIEW "analytics_verifications" AS SELECT (e."value" ->> 1) AS "request_id", CAST(e."value" ->> 0 AS bigint) AS "time", b."workspace_id" AS "workspace_id", b."key_space_id" AS "key_space_id", b."identity_id" AS "identity_id", b."external_id" AS "external_id", b."key_id" AS "key_id", (e."value" ->> 2) AS "region", (e."value" ->> 3) AS "outcome", (e."value" ->> 4) AS "tags", CAST(e."value" ->> 5 AS bigint) AS "spent_credits", CAST(e."value" ->> 6 AS double precision) AS "latency" FROM "analytics_verification_blocks" AS b, json_array_elements(CAST(b."events" AS json)) AS e ("value")',
  'CREATE OR REPLACE VIEW "analytics_ratelimits" AS SELECT (e."value" ->> 1) AS "request_id", CAST(e."value" ->> 0 AS bigint) AS "time", b."workspace_id" AS "workspace_id", b."namespace_id" AS "namespace_id", b."identifier" AS "identifier", CAST(e."value" ->> 2 AS bigint) AS "passed", CAST(e."value" ->> 3 AS double precision) AS "latency", (e."value" ->> 4) AS "override_id", (e."value" ->> 5) AS "region" FROM "analytics_ratelimit_blocks" AS b, json_array_elements(CAST(b."events" AS json)) AS e ("value")',
];

/** Each raw table's rows as blocks of a key (or identifier) and minute, before the table is dropped. */
const MOVES: readonly { table: string; insert: string }[] = [
  {
    table: 'analytics_verifications',
    insert:
      'INSERT INTO "analytics_verification_blocks" ("workspace_id", "key_space_id", "key_id", "identity_id", "external_id", "first_time", "last_time", "events") SELECT "workspace_id", "key_space_id", "key_id", "identity_id", "external_id", min("time"), max("time"), CAST(json_agg(json_build_array("time", "request_id", "region", "outcome", "tags", "spent_credits", "latency") ORDER BY "time") AS text) FROM "analytics_verifications" GROUP BY "workspace_id", "key_space_id", "key_id", "identity_id", "external_id", "time" / 60000',
  },
  {
    table: 'analytics_ratelimits',
    insert:
      'INSERT INTO "analytics_ratelimit_blocks" ("workspace_id", "namespace_id", "identifier", "first_time", "last_time", "events") SELECT "workspace_id", "namespace_id", "identifier", min("time"), max("time"), CAST(json_agg(json_build_array("time", "request_id", "passed", "latency", "override_id", "region") ORDER BY "time") AS text) FROM "analytics_ratelimits" GROUP BY "workspace_id", "namespace_id", "identifier", "time" / 60000',
  },
];

// biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
export async function up(db: Kysely<any>, engine: Engine): Promise<void> {
  if (engine !== 'postgres') return;
  for (const statement of ANALYTICS_BLOCKS_0016) await sql.raw(statement).execute(db);
  for (const { table, insert } of MOVES) {
    await sql.raw(insert).execute(db);
    await sql.raw(`DROP TABLE "${table}"`).execute(db);
  }
  for (const statement of ANALYTICS_VIEWS_0016) await sql.raw(statement).execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Keyward migrations are forward-only; restore a backup to go back.');
}
