/**
 * The analytics write path alone, in one process (issue 14): CPU microseconds per event to fold a batch and write it,
 * on SQLite (the writer thread's work, run here on the main thread) and PostgreSQL (the store's write()).
 *
 *   npx tsx bench/analytics-write.ts [--keys 1000] [--batch 5000] [--batches 20] [--engines sqlite,postgres]
 *     [--old DIR]   also measure another checkout's built write path (DIR/dist), in the same run
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join, resolve } from 'node:path';
import type Database from 'better-sqlite3';
import pg from 'pg';
import type { AnalyticsBatch, VerificationEvent } from '../src/analytics/events.js';
import { type PackedBatch, packBatch } from '../src/analytics/packed-batch.js';
import { PostgresAnalyticsStore } from '../src/analytics/postgres-store.js';
import { openAnalyticsConnection, prepareAnalyticsFile } from '../src/analytics/sqlite-file.js';
import { prepareBatch, SqliteAnalyticsWriter } from '../src/analytics/sqlite-write.js';
import { analyticsDdl } from '../src/analytics/ddl.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  return i === -1 ? fallback : argv[i + 1]!;
};
const KEYS = Number(option('--keys', '1000'));
const BATCH = Number(option('--batch', '5000'));
const BATCHES = Number(option('--batches', '20'));
const ENGINES = option('--engines', 'sqlite,postgres').split(',');
const OLD = argv.includes('--old') ? resolve(option('--old', '')) : undefined;
const POSTGRES_URL = process.env.KEYWARD_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** Batches shaped as the cached-verify load's: KEYS keys cycled, one minute, no tags, all VALID. */
function batches(): AnalyticsBatch[] {
  const start = Date.UTC(2026, 11, 5, 12, 0, 0);
  let n = 0;
  return Array.from({ length: BATCHES }, () => ({
    verifications: Array.from({ length: BATCH }, (): VerificationEvent => {
      const k = n % KEYS;
      n++;
      return {
        time: start + Math.floor(n / 7),
        requestId: `req_${n.toString(36).padStart(12, '0')}`,
        workspaceId: 'ws_bench',
        keySpaceId: `api_${k % 10}`,
        keyId: `key_${k.toString().padStart(16, '0')}`,
        identityId: '',
        externalId: '',
        outcome: 'VALID',
        tags: [],
        spentCredits: 0,
        latency: 0.05 + (n % 13) / 100,
        region: 'bench',
      };
    }),
    ratelimits: [],
  }));
}

function cpuMicros(work: () => void): number {
  const before = process.cpuUsage();
  work();
  const used = process.cpuUsage(before);
  return used.user + used.system;
}

async function cpuMicrosAsync(work: () => Promise<void>): Promise<{ cpu: number; wall: number }> {
  const before = process.cpuUsage();
  const started = performance.now();
  await work();
  const used = process.cpuUsage(before);
  return { cpu: used.user + used.system, wall: (performance.now() - started) * 1000 };
}

const events = BATCH * BATCHES;
const report = (label: string, micros: number, wall?: number) =>
  console.log(
    `${label.padEnd(44)} ${(micros / events).toFixed(2).padStart(7)} us CPU/event${wall === undefined ? '' : `, ${(wall / events).toFixed(2)} us wall/event, ${Math.round(events / (wall / 1e6))} events/s`}`,
  );

async function sqlite(): Promise<void> {
  // Packed as the recorder hands batches to the writer thread.
  const events = batches();
  const data = events.map((b) => packBatch(b).packed);
  const fresh = () => {
    const dir = mkdtempSync(join(os.tmpdir(), 'keyward-analytics-write-'));
    const file = join(dir, 'bench.analytics');
    prepareAnalyticsFile(file);
    return { db: openAnalyticsConnection(file), dir };
  };
  // Warmed up first: the server prepares batch after batch.
  for (const b of data.slice(0, 3)) prepareBatch(b);
  report(
    'sqlite blocks and fold only',
    cpuMicros(() => {
      for (const b of data) prepareBatch(b);
    }),
  );
  {
    const { db, dir } = fresh();
    const writer = new SqliteAnalyticsWriter(db);
    const write = db.transaction((b: PackedBatch) => writer.write(prepareBatch(b)));
    report(
      'sqlite prepare + write (this tree)',
      cpuMicros(() => {
        for (const b of data) write.immediate(b);
      }),
    );
    db.close();
    rmSync(dir, { recursive: true });
  }
  if (OLD) {
    const old = await import(join(OLD, 'dist/src/analytics/write-statements.js'));
    const { db, dir } = fresh();
    const cache = new Map<string, Database.Statement>();
    const write = db.transaction((b: AnalyticsBatch) => {
      for (const { sql, parameters } of old.writeStatements(b, 'sqlite')) {
        let s = cache.get(sql);
        if (!s) {
          s = db.prepare(sql);
          cache.set(sql, s);
        }
        s.run(parameters);
      }
    });
    report(
      'sqlite rows + write (old tree)',
      cpuMicros(() => {
        for (const b of events) write.immediate(b);
      }),
    );
    db.close();
    rmSync(dir, { recursive: true });
  }
}

async function postgres(): Promise<void> {
  const data = batches();
  const schema = `analytics_write_bench_${process.pid}`;
  const admin = new pg.Client({ connectionString: POSTGRES_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  try {
    const url = `${POSTGRES_URL}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    const reset = async () => {
      await admin.query(`DROP SCHEMA ${schema} CASCADE; CREATE SCHEMA ${schema}`);
      for (const statement of analyticsDdl('postgres')) await admin.query(`SET search_path = ${schema}; ${statement}`);
    };
    await reset();
    const store = new PostgresAnalyticsStore(url);
    await store.write(data[0]!);
    await reset();
    const mine = await cpuMicrosAsync(async () => {
      for (const b of data) await store.write(b);
    });
    report('postgres write() (this tree)', mine.cpu, mine.wall);
    await store.close();
    if (OLD) {
      const { PostgresAnalyticsStore: OldStore } = await import(join(OLD, 'dist/src/analytics/postgres-store.js'));
      await reset();
      const old = new OldStore(url);
      await old.write(data[0]!);
      await reset();
      const theirs = await cpuMicrosAsync(async () => {
        for (const b of data) await old.write(b);
      });
      report('postgres write() (old tree)', theirs.cpu, theirs.wall);
      await old.close();
    }
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

console.log(
  `${BATCHES} batches of ${BATCH} verification events over ${KEYS} keys; load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
if (ENGINES.includes('sqlite')) await sqlite();
if (ENGINES.includes('postgres')) await postgres();
