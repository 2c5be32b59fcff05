/**
 * Where the SQLite analytics writer's CPU goes, part by part (issue 14): the writer thread's work (prepare: the raw
 * blocks encoded and the rollups folded, src/analytics/sqlite-write.ts; then one
 * transaction of single-row statements, src/analytics/sqlite-worker.ts) run here on the main thread, with CPU
 * microseconds per event for the preparation, the rows and the COMMIT apart, into a store of the real schema or one
 * with a part left out, so each part's cost is the difference between two variants.
 *
 *   npx tsx bench/analytics-write-parts.ts [--events 1000000] [--batch 5000] [--keys 1000] [--variant V]
 *
 * Variants: `all` (the store as it is), `no-key-index` (without the raw blocks' (workspace_id, key_id, last_time)
 * index), `no-raw-indexes` (without any of the raw blocks' four), `rollups-only` (the rollup upserts, no raw rows),
 * `raw-only` (the raw rows, no rollups). Events are the cached-verify load's: `--keys` keys cycled, about 7 events a
 * millisecond, no tags, all VALID, into a fresh file, so later batches meet a store of earlier ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import type { AnalyticsBatch, VerificationEvent } from '../src/analytics/events.js';
import { packBatch } from '../src/analytics/packed-batch.js';
import { openAnalyticsConnection, prepareAnalyticsFile } from '../src/analytics/sqlite-file.js';
import { prepareBatch, SqliteAnalyticsWriter } from '../src/analytics/sqlite-write.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: string) => {
  const i = argv.indexOf(name);
  return i === -1 ? fallback : argv[i + 1]!;
};
const EVENTS = Number(option('--events', '1000000'));
const BATCH = Number(option('--batch', '5000'));
const KEYS = Number(option('--keys', '1000'));
const VARIANT = option('--variant', 'all');
const VARIANTS = ['all', 'no-key-index', 'no-raw-indexes', 'rollups-only', 'raw-only'];
if (!VARIANTS.includes(VARIANT)) throw new Error(`--variant is one of ${VARIANTS.join(', ')}`);

const BATCHES = Math.ceil(EVENTS / BATCH);
const start = Date.UTC(2026, 11, 5, 12, 0, 0);
let n = 0;

/**
 * The next batch, made just before it is written, so the heap holds one batch as the writer thread's does: events
 * made all at once, a million of them, made every collection mark them and cost more than the write.
 */
function nextBatch(): AnalyticsBatch {
  return {
    verifications: Array.from({ length: BATCH }, (): VerificationEvent => {
      const k = n % KEYS;
      n++;
      return {
        time: start + Math.floor(n / 7),
        requestId: `req_${n.toString(36).padStart(20, '0')}`,
        workspaceId: 'ws_bench000000000000',
        keySpaceId: `api_${(k % 10).toString().padStart(18, '0')}`,
        keyId: `key_${k.toString().padStart(20, '0')}`,
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
  };
}

const cpu = (since?: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return used.user + used.system;
};

const dir = mkdtempSync(join(os.tmpdir(), 'keyward-analytics-parts-'));
const file = join(dir, 'bench.analytics');
prepareAnalyticsFile(file);
const db = openAnalyticsConnection(file);
// The raw events' blocks (src/analytics/blocks.ts) and their indexes.
if (VARIANT === 'no-key-index' || VARIANT === 'no-raw-indexes')
  db.exec('DROP INDEX analytics_verification_blocks_workspace_id_key_id_last_time');
if (VARIANT === 'no-raw-indexes') {
  db.exec('DROP INDEX analytics_verification_blocks_workspace_id_last_time');
  db.exec('DROP INDEX analytics_verification_blocks_workspace_id_key_space_id_last_time');
  db.exec('DROP INDEX analytics_verification_blocks_first_time');
}
const writer = new SqliteAnalyticsWriter(db);
const begin = db.prepare('BEGIN IMMEDIATE');
const commit = db.prepare('COMMIT');
for (let b = 0; b < 2; b++) prepareBatch(packBatch(nextBatch()).packed); // warmed up, as in a running server
n = 0;
let fold = 0;
let rows = 0;
let committing = 0;
let total = 0;
for (let b = 0; b < BATCHES; b++) {
  // Packed as the recorder hands batches to the writer thread.
  const batch = packBatch(nextBatch()).packed;
  const started = process.cpuUsage();
  let at = process.cpuUsage();
  const prepared = prepareBatch(batch);
  fold += cpu(at);
  at = process.cpuUsage();
  begin.run();
  if (VARIANT === 'raw-only') prepared.rollups = [];
  if (VARIANT === 'rollups-only') prepared.blocks = { verifications: [], ratelimits: [], bytes: Buffer.alloc(0) };
  writer.write(prepared);
  rows += cpu(at);
  at = process.cpuUsage();
  commit.run();
  committing += cpu(at);
  total += cpu(started);
}
const events = BATCHES * BATCH;
const per = (micros: number) => (micros / events).toFixed(2);
console.log(
  `${VARIANT}, batches of ${BATCH}, ${events} events over ${KEYS} keys: ${per(total)} us CPU/event ` +
    `(prepare ${per(fold)}, rows ${per(rows)}, commit ${per(committing)}); load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);
db.close();
rmSync(dir, { recursive: true });
