/**
 * What the verification rollups' index for one API over time (src/analytics/ddl.ts, schema 2 / migration 0007) costs
 * the analytics write path: the store's own write() of the same batches into a store with the index and into one
 * without it, alternating, on SQLite (the writer thread) and PostgreSQL (the analytics pool).
 *
 *   npx tsx bench/analytics-index-cost.ts [--events 200000] [--batch 5000] [--rounds 3]
 *
 * Events are the query benchmark's (bench/lib/analytics-events.ts: 10,000 keys, so most minute-rollup rows are new
 * and most day-rollup rows are updated). Prints ms per 1,000 events for each store and their ratio, with the load
 * average: the machine may be shared.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openAnalyticsConnection } from '../src/analytics/sqlite-file.js';
import { PostgresAnalyticsStore } from '../src/analytics/postgres-store.js';
import { SqliteAnalyticsStore } from '../src/analytics/sqlite-store.js';
import type { AnalyticsStore } from '../src/analytics/store.js';
import { openDatabase } from '../src/storage/sql/dialect.js';
import { migrateToLatest } from '../src/storage/sql/migrate.js';
import { loadByWrite } from './lib/analytics.js';
import { eventPlan, QUERY_APIS } from './lib/analytics-events.js';

const args = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = args.indexOf(name);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const EVENTS = option('--events', 200_000);
const BATCH = option('--batch', 5_000);
const ROUNDS = option('--rounds', 3);
const POSTGRES_URL = process.env.KEYWARD_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const INDEXES = ['minute', 'hour', 'day', 'month'].map((grain) => `analytics_verifications_per_${grain}_api_time`);

interface Store {
  store: AnalyticsStore;
  drop(): Promise<void>;
}

async function sqliteStore(withIndex: boolean): Promise<Store> {
  const dir = mkdtempSync(join(os.tmpdir(), 'keyward-index-cost-'));
  const file = join(dir, 'a.sqlite.analytics');
  const store = SqliteAnalyticsStore.open(file);
  if (!withIndex) {
    const db = openAnalyticsConnection(file);
    for (const name of INDEXES) db.exec(`DROP INDEX "${name}"`);
    db.close();
  }
  return { store, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function postgresStore(withIndex: boolean): Promise<Store> {
  const schema = `kw_bench_idx_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA "${schema}"`);
  const url = `${POSTGRES_URL}${POSTGRES_URL.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
  const migrating = openDatabase(url);
  await migrateToLatest(migrating.db, migrating.dialect);
  if (!withIndex) for (const name of INDEXES) await migrating.db.schema.dropIndex(name).execute();
  await migrating.db.destroy();
  return {
    store: new PostgresAnalyticsStore(url),
    drop: async () => {
      await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      await admin.end();
    },
  };
}

/** Milliseconds per 1,000 events written by write() in batches of BATCH. */
async function measure(open: (withIndex: boolean) => Promise<Store>, withIndex: boolean): Promise<number> {
  const { store, drop } = await open(withIndex);
  try {
    const apis = Array.from({ length: QUERY_APIS }, (_, i) => `api_${i}`);
    const plan = eventPlan(EVENTS, Date.now(), 'ws_index_cost', apis);
    const batched = { write: (batch: Parameters<AnalyticsStore['write']>[0]) => writeInBatches(store, batch) };
    const started = performance.now();
    await loadByWrite(batched, plan);
    return ((performance.now() - started) / EVENTS) * 1000;
  } finally {
    await store.close();
    await drop();
  }
}

/** loadByWrite's batches cut to BATCH events, the recorder's size rather than the loader's. */
async function writeInBatches(store: AnalyticsStore, batch: Parameters<AnalyticsStore['write']>[0]): Promise<void> {
  for (let i = 0; i < batch.verifications.length; i += BATCH) {
    await store.write({ verifications: batch.verifications.slice(i, i + BATCH), ratelimits: [] });
  }
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
console.log(
  `load average at start ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}; ${EVENTS} events in batches of ${BATCH}, ${ROUNDS} rounds`,
);
for (const [engine, open] of [
  ['sqlite', sqliteStore],
  ['postgres', postgresStore],
] as const) {
  const without: number[] = [];
  const withIndex: number[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    without.push(await measure(open, false));
    withIndex.push(await measure(open, true));
  }
  const a = median(without);
  const b = median(withIndex);
  console.log(
    `${engine}: without the index ${a.toFixed(1)} ms per 1,000 events (${without.map((v) => v.toFixed(1)).join(', ')}), ` +
      `with it ${b.toFixed(1)} (${withIndex.map((v) => v.toFixed(1)).join(', ')}): ${(b / a).toFixed(2)}x`,
  );
}
console.log(
  `load average at end ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
