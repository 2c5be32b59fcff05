/**
 * PostgreSQL's own CPU per analytics event (issue 14): what the database backend that runs the analytics writes
 * spends, read from its /proc/<pid>/stat (so PostgreSQL must run on this machine), table by table. The server-side
 * figures of bench/analytics-write.ts leave this out; on the benchmark's two cores it is the CPU that kept the
 * server below its core with analytics on (bench/RESULTS.md, "Analytics (issue 14)").
 *
 *   npx tsx bench/analytics-postgres-backend.ts [--keys 1000] [--batch 5000] [--batches 20] [--rate 17000]
 *     [--fillfactor N]   the rollup tables' fillfactor instead of the schema's (src/analytics/ddl.ts), to see what room for HOT updates saves
 *
 * Verification events over --keys keys, their times --rate per second apart; each batch's raw blocks and each of its
 * rollup tables are written in a transaction of their own (as the writer thread does, src/analytics/postgres-worker.ts,
 * without its one shared transaction) so each one's CPU is its own.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import pg from 'pg';
import { analyticsDdl } from '../src/analytics/ddl.js';
import type { AnalyticsBatch, VerificationEvent } from '../src/analytics/events.js';
import { packedBlocks } from '../src/analytics/block-encoder.js';
import { foldPacked } from '../src/analytics/fold.js';
import { packBatch } from '../src/analytics/packed-batch.js';
import { writeBlocks, writeFoldedBatch } from '../src/analytics/postgres-write.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number): number => {
  const i = argv.indexOf(name);
  return i === -1 ? fallback : Number(argv[i + 1]);
};
const KEYS = option('--keys', 1000);
const BATCH = option('--batch', 5000);
const BATCHES = option('--batches', 20);
const RATE = option('--rate', 17000);
const FILLFACTOR = option('--fillfactor', 0);
const POSTGRES_URL = process.env.KEYWARD_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const TICK_US = 1_000_000 / 100; // USER_HZ

/** User and system CPU of a process, in clock ticks. */
function ticks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

let n = 0;
const start = Date.UTC(2026, 11, 5, 12, 0, 0);
function batch(): AnalyticsBatch {
  return {
    verifications: Array.from({ length: BATCH }, (): VerificationEvent => {
      const k = n % KEYS;
      n++;
      return {
        time: start + Math.floor((n * 1000) / RATE),
        requestId: `req_${n}`,
        workspaceId: 'ws_bench',
        keySpaceId: `api_${k % 10}`,
        keyId: `key_${k}`,
        identityId: '',
        externalId: '',
        outcome: 'VALID',
        tags: [],
        spentCredits: 0,
        latency: 0.1,
        region: 'bench',
      };
    }),
    ratelimits: [],
  };
}

const schema = `analytics_backend_bench_${process.pid}`;
const client = new pg.Client({ connectionString: POSTGRES_URL });
await client.connect();
try {
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.query(`SET search_path = ${schema}`);
  for (const statement of analyticsDdl('postgres')) await client.query(statement);
  if (FILLFACTOR !== 0) {
    if (!Number.isInteger(FILLFACTOR) || FILLFACTOR < 10 || FILLFACTOR > 100) throw new RangeError('--fillfactor: 10 to 100');
    for (const grain of ['minute', 'hour', 'day', 'month']) {
      await client.query(`ALTER TABLE analytics_verifications_per_${grain} SET (fillfactor = ${FILLFACTOR})`);
    }
  }
  const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
  const backend = rows[0]!.pid;
  const spent = new Map<string, number>();
  const timed = async (table: string, count: boolean, work: () => Promise<void>) => {
    const before = ticks(backend);
    await client.query('BEGIN; SET LOCAL synchronous_commit = off');
    await work();
    await client.query('COMMIT');
    if (count) spent.set(table, (spent.get(table) ?? 0) + ticks(backend) - before);
  };
  const write = async (events: AnalyticsBatch, count: boolean) => {
    const { packed } = packBatch(events);
    const blocks = packedBlocks(packed, { wellFormed: true });
    await timed('analytics_verification_blocks', count, () => writeBlocks(client as unknown as pg.PoolClient, blocks));
    for (const table of foldPacked(packed)) {
      await timed(table.table.physicalName, count, () => writeFoldedBatch(client as unknown as pg.PoolClient, [table]));
    }
  };
  await write(batch(), false); // statements prepared, caches warm
  for (let i = 0; i < BATCHES; i++) await write(batch(), true);
  const events = BATCH * BATCHES;
  console.log(
    `${BATCHES} batches of ${BATCH} verification events over ${KEYS} keys, ${RATE}/s, rollup fillfactor ${FILLFACTOR || 'of the schema'}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
  );
  let total = 0;
  for (const [table, used] of spent) {
    total += used;
    console.log(`${table.padEnd(40)} ${((used * TICK_US) / events).toFixed(1)} us backend CPU/event`);
  }
  console.log(`${'all tables'.padEnd(40)} ${((total * TICK_US) / events).toFixed(1)} us backend CPU/event`);
  const stats = await client.query(
    `SELECT relname, n_tup_upd, n_tup_hot_upd, pg_total_relation_size(relid) AS bytes FROM pg_stat_user_tables
     WHERE schemaname = $1 AND relname LIKE 'analytics_verification%' ORDER BY relname`,
    [schema],
  );
  for (const r of stats.rows) console.log(`${r.relname}: ${r.n_tup_upd} updates, ${r.n_tup_hot_upd} HOT, ${r.bytes} bytes`);
} finally {
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}
