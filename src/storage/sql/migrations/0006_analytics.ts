import { type Kysely, sql } from 'kysely';
import type { Engine } from '../../store.js';

/**
 * The analytics tables on PostgreSQL (src/analytics/schema.ts, docs/decisions/0014-analytics-in-keywards-own-stores.md):
 * what src/analytics/ddl.ts made of schema.ts when this migration was written, kept as text so that a later change
 * to schema.ts cannot change what 0006 does (0006_analytics.test.ts fails until such a change has a migration of
 * its own). On SQLite the analytics tables live in a file of their own (src/analytics/sqlite-file.ts), so the main
 * database gets nothing here.
 */
export const ANALYTICS_TABLES_0006: readonly string[] = [
  'CREATE TABLE IF NOT EXISTS "analytics_verifications" ("request_id" text NOT NULL, "time" bigint NOT NULL, "workspace_id" text NOT NULL, "key_space_id" text NOT NULL, "identity_id" text NOT NULL, "external_id" text NOT NULL, "key_id" text NOT NULL, "region" text NOT NULL, "outcome" text NOT NULL, "tags" text NOT NULL, "spent_credits" bigint NOT NULL, "latency" double precision NOT NULL)',
  'CREATE INDEX IF NOT EXISTS "analytics_verifications_workspace_id_time" ON "analytics_verifications" ("workspace_id", "time")',
  'CREATE INDEX IF NOT EXISTS "analytics_verifications_workspace_id_key_id_time" ON "analytics_verifications" ("workspace_id", "key_id", "time")',
  'CREATE INDEX IF NOT EXISTS "analytics_verifications_workspace_id_key_space_id_time" ON "analytics_verifications" ("workspace_id", "key_space_id", "time")',
  'CREATE TABLE IF NOT EXISTS "analytics_verifications_per_minute" ("time" bigint NOT NULL, "workspace_id" text NOT NULL, "key_space_id" text NOT NULL, "identity_id" text NOT NULL, "external_id" text NOT NULL, "key_id" text NOT NULL, "outcome" text NOT NULL, "tags" text NOT NULL, "count" bigint NOT NULL, "spent_credits" bigint NOT NULL, "latency_sum" double precision NOT NULL, "latency_max" double precision NOT NULL, PRIMARY KEY ("workspace_id", "time", "key_space_id", "key_id", "identity_id", "external_id", "outcome", "tags"))',
  'CREATE TABLE IF NOT EXISTS "analytics_verifications_per_hour" ("time" bigint NOT NULL, "workspace_id" text NOT NULL, "key_space_id" text NOT NULL, "identity_id" text NOT NULL, "external_id" text NOT NULL, "key_id" text NOT NULL, "outcome" text NOT NULL, "tags" text NOT NULL, "count" bigint NOT NULL, "spent_credits" bigint NOT NULL, "latency_sum" double precision NOT NULL, "latency_max" double precision NOT NULL, PRIMARY KEY ("workspace_id", "time", "key_space_id", "key_id", "identity_id", "external_id", "outcome", "tags"))',
  'CREATE TABLE IF NOT EXISTS "analytics_verifications_per_day" ("time" bigint NOT NULL, "workspace_id" text NOT NULL, "key_space_id" text NOT NULL, "identity_id" text NOT NULL, "external_id" text NOT NULL, "key_id" text NOT NULL, "outcome" text NOT NULL, "tags" text NOT NULL, "count" bigint NOT NULL, "spent_credits" bigint NOT NULL, "latency_sum" double precision NOT NULL, "latency_max" double precision NOT NULL, PRIMARY KEY ("workspace_id", "time", "key_space_id", "key_id", "identity_id", "external_id", "outcome", "tags"))',
  'CREATE TABLE IF NOT EXISTS "analytics_verifications_per_month" ("time" bigint NOT NULL, "workspace_id" text NOT NULL, "key_space_id" text NOT NULL, "identity_id" text NOT NULL, "external_id" text NOT NULL, "key_id" text NOT NULL, "outcome" text NOT NULL, "tags" text NOT NULL, "count" bigint NOT NULL, "spent_credits" bigint NOT NULL, "latency_sum" double precision NOT NULL, "latency_max" double precision NOT NULL, PRIMARY KEY ("workspace_id", "time", "key_space_id", "key_id", "identity_id", "external_id", "outcome", "tags"))',
  'CREATE TABLE IF NOT EXISTS "analytics_ratelimits" ("request_id" text NOT NULL, "time" bigint NOT NULL, "workspace_id" text NOT NULL, "namespace_id" text NOT NULL, "identifier" text NOT NULL, "passed" bigint NOT NULL, "latency" double precision NOT NULL, "override_id" text NOT NULL, "region" text NOT NULL)',
  'CREATE INDEX IF NOT EXISTS "analytics_ratelimits_workspace_id_time" ON "analytics_ratelimits" ("workspace_id", "time")',
  'CREATE INDEX IF NOT EXISTS "analytics_ratelimits_workspace_id_namespace_id_time" ON "analytics_ratelimits" ("workspace_id", "namespace_id", "time")',
  'CREATE TABLE IF NOT EXISTS "analytics_ratelimits_per_minute" ("time" bigint NOT NULL, "workspace_id" text NOT NULL, "namespace_id" text NOT NULL, "identifier" text NOT NULL, "passed" bigint NOT NULL, "total" bigint NOT NULL, "latency_sum" double precision NOT NULL, "latency_max" double precision NOT NULL, PRIMARY KEY ("workspace_id", "time", "namespace_id", "identifier"))',
  'CREATE TABLE IF NOT EXISTS "analytics_ratelimits_per_hour" ("time" bigint NOT NULL, "workspace_id" text NOT NULL, "namespace_id" text NOT NULL, "identifier" text NOT NULL, "passed" bigint NOT NULL, "total" bigint NOT NULL, "latency_sum" double precision NOT NULL, "latency_max" double precision NOT NULL, PRIMARY KEY ("workspace_id", "time", "namespace_id", "identifier"))',
  'CREATE TABLE IF NOT EXISTS "analytics_ratelimits_per_day" ("time" bigint NOT NULL, "workspace_id" text NOT NULL, "namespace_id" text NOT NULL, "identifier" text NOT NULL, "passed" bigint NOT NULL, "total" bigint NOT NULL, "latency_sum" double precision NOT NULL, "latency_max" double precision NOT NULL, PRIMARY KEY ("workspace_id", "time", "namespace_id", "identifier"))',
  'CREATE TABLE IF NOT EXISTS "analytics_ratelimits_per_month" ("time" bigint NOT NULL, "workspace_id" text NOT NULL, "namespace_id" text NOT NULL, "identifier" text NOT NULL, "passed" bigint NOT NULL, "total" bigint NOT NULL, "latency_sum" double precision NOT NULL, "latency_max" double precision NOT NULL, PRIMARY KEY ("workspace_id", "time", "namespace_id", "identifier"))',
];

// biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
export async function up(db: Kysely<any>, engine: Engine): Promise<void> {
  if (engine !== 'postgres') return;
  for (const statement of ANALYTICS_TABLES_0006) await sql.raw(statement).execute(db);
}

export async function down(): Promise<void> {
  throw new Error('Keyward migrations are forward-only; restore a backup to go back.');
}
