import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadByWrite, benchQueries } from '../bench/lib/analytics.js';
import { bulkLoad } from '../bench/lib/analytics-bulk.js';
import { type EventPlan, eventPlan, QUERY_APIS, queriedKey } from '../bench/lib/analytics-events.js';
import { ANALYTICS_TABLES } from '../src/analytics/schema.js';
import { openAnalyticsConnection } from '../src/analytics/sqlite-file.js';
import type { SqliteAnalyticsStore } from '../src/analytics/sqlite-store.js';
import { type EngineName, startTestServer, type TestServer } from './harness.js';

/**
 * The analytics benchmark's bulk loader (bench/lib/analytics-bulk.ts) stores exactly what the store's write() stores
 * for the same events: every verification table (raw and the four rollups) holds the same rows, and
 * analytics.getVerifications answers the benchmark's queries and a few more the same. Events cross a month boundary
 * (the harness's clock is 15 January), so every grain's buckets split. Runs on KEYWARD_TEST_ENGINE.
 */

const ENGINE = (process.env.KEYWARD_TEST_ENGINE as EngineName | undefined) ?? 'sqlite';
const EVENTS = 5_000;
const ENV = { KEYWARD_ANALYTICS_QUERIES_PER_MINUTE: '1000' };
const APIS = Array.from({ length: QUERY_APIS }, (_, i) => `api_bulk_${i}`);
const VERIFICATION_TABLES = ANALYTICS_TABLES.filter((t) => t.source === 'verifications');

let written: TestServer;
let bulk: TestServer;
let plan: EventPlan;

/** Every row of a table but its workspace (each server has its own), in one order. */
async function dump(server: TestServer, table: (typeof VERIFICATION_TABLES)[number]): Promise<unknown[][]> {
  const columns = Object.keys(table.columns).filter((c) => c !== 'workspace_id');
  const sql = `SELECT ${columns.map((c) => `"${c}"`).join(', ')} FROM "${table.physicalName}" ORDER BY ${columns.map((c) => `"${c}"`).join(', ')}`;
  if (ENGINE === 'sqlite') {
    const db = openAnalyticsConnection((server.server.analytics as SqliteAnalyticsStore).file, { readonly: true });
    try {
      return db.prepare(sql).raw().all() as unknown[][];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: server.databaseUrl });
  await client.connect();
  try {
    return (await client.query({ text: sql, rowMode: 'array' })).rows;
  } finally {
    await client.end();
  }
}

beforeAll(async () => {
  written = await startTestServer({ engine: ENGINE, env: ENV });
  bulk = await startTestServer({ engine: ENGINE, env: ENV });
  // Both servers' clocks start at the same instant; each loads into its own workspace.
  plan = eventPlan(EVENTS, written.clock.now(), written.workspaceId, APIS);
  await loadByWrite(written.server.analytics, plan);
  const target =
    ENGINE === 'sqlite'
      ? { engine: 'sqlite' as const, file: (bulk.server.analytics as SqliteAnalyticsStore).file }
      : { engine: 'postgres' as const, url: bulk.databaseUrl };
  await bulkLoad(target, { ...plan, workspaceId: bulk.workspaceId }, { analyze: true });
}, 120_000);

afterAll(async () => {
  await written?.close();
  await bulk?.close();
});

it.each(VERIFICATION_TABLES.map((t) => [t.physicalName, t] as const))('%s holds the same rows after either loader', async (_, table) => {
  const [a, b] = [await dump(written, table), await dump(bulk, table)];
  expect(a.length).toBeGreaterThan(0);
  expect(b).toEqual(a);
});

const QUERIES = [
  'SELECT outcome, count(*) AS total FROM key_verifications_v1 GROUP BY outcome ORDER BY outcome',
  'SELECT time, sum(count) AS total, sum(spent_credits) AS credits, sum(latency_sum) AS latency, max(latency_max) AS slowest FROM key_verifications_per_hour_v1 GROUP BY time ORDER BY time',
  'SELECT time, outcome, sum(count) AS total FROM key_verifications_per_month_v1 GROUP BY time, outcome ORDER BY time, outcome',
  "SELECT key_space_id, sum(count) AS total FROM key_verifications_per_day_v1 WHERE has(tags, 'tier:pro') GROUP BY key_space_id ORDER BY key_space_id",
  'SELECT tags, count(*) AS total FROM key_verifications_v1 GROUP BY tags ORDER BY total, tags',
  "SELECT identity_id, external_id, count(*) AS total FROM key_verifications_v1 WHERE identity_id != '' GROUP BY identity_id, external_id ORDER BY identity_id",
  'SELECT count(*) AS rollup_rows, sum(count) AS total FROM key_verifications_per_minute_v1',
];

/** The analytics tables' indexes: names (PostgreSQL's definitions name the schema, which differs) or definitions (SQLite). */
async function indexes(server: TestServer): Promise<unknown[]> {
  if (ENGINE === 'sqlite') {
    const db = openAnalyticsConnection((server.server.analytics as SqliteAnalyticsStore).file, { readonly: true });
    try {
      return db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' ORDER BY name`).all();
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: server.databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query(
      `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename LIKE 'analytics%' ORDER BY indexname`,
    );
    return rows;
  } finally {
    await client.end();
  }
}

it('the bulk loader leaves the same indexes as the schema makes (it rebuilds those of the raw table)', async () => {
  const expected = await indexes(written);
  expect(expected.length).toBeGreaterThan(3);
  expect(await indexes(bulk)).toEqual(expected);
});

it('analytics.getVerifications answers the benchmark queries and others the same after either loader', { timeout: 180_000 }, async () => {
  const ask = async (server: TestServer, query: string) => {
    const response = await server.call('analytics.getVerifications', { query });
    expect(response.status, `${query}: ${JSON.stringify(response.body)}`).toBe(200);
    return response.body.data as Record<string, unknown>[];
  };
  const queries = [...benchQueries(queriedKey(plan), APIS[0]!).map((q) => q.query), ...QUERIES];
  for (const query of queries) {
    const expected = await ask(written, query);
    expect(expected.length, query).toBeGreaterThan(0);
    expect(await ask(bulk, query), query).toEqual(expected);
  }
  // The events are what the benchmark says: 30 days over two months, the outcome mix, tags, identities, credits.
  const months = await ask(written, QUERIES[2]!);
  expect(new Set(months.map((row) => row.time)).size).toBe(2);
  const outcomes = Object.fromEntries((await ask(written, QUERIES[0]!)).map((row) => [row.outcome, row.total as number]));
  expect(Object.keys(outcomes)).toEqual(['NOT_FOUND', 'RATE_LIMITED', 'USAGE_EXCEEDED', 'VALID']);
  expect(outcomes.VALID! / EVENTS).toBeGreaterThan(0.85);
  expect((await ask(written, QUERIES[4]!)).length).toBe(3);
  expect((await ask(written, QUERIES[5]!)).length).toBe(10);
});
