import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { expect, it } from 'vitest';
import { migratedPostgresSchema } from '../../test/harness.js';
import { PRUNE_LOCK_ARGUMENTS, PostgresAnalyticsStore } from './postgres-store.js';
import type { AnalyticsBatch } from './events.js';
import { analyticsStoreConformance, expectedRollups, random, randomBatch, sortRows } from './store.suite.js';

/** A fresh schema migrated as the main store migrates it (migration 0006 makes the analytics tables). */
async function openFresh() {
  const { url, drop } = await migratedPostgresSchema();
  return { store: new PostgresAnalyticsStore(url, { statementTimeoutMs: 10_000 }), url, drop };
}

analyticsStoreConformance('analytics store on PostgreSQL', openFresh, {
  parameter: (n) => `$${n}`,
  neverEndingQuery: 'SELECT pg_sleep(3600) AS slept',
});

it('skips pruning while another node holds the pruning lock, and prunes once it is released', async () => {
  const { store, url, drop } = await openFresh();
  const other = new PostgresAnalyticsStore(url);
  const holder = new pg.Client({ connectionString: url });
  await holder.connect();
  try {
    await store.write({
      verifications: [],
      ratelimits: [
        {
          time: 1_000,
          requestId: 'r',
          workspaceId: 'ws',
          namespaceId: 'ns',
          identifier: 'i',
          passed: true,
          latency: 1,
          overrideId: '',
          region: '',
        },
      ],
    });
    const retention = { raw: 1, minute: 1, hour: 1, day: 1, month: 0 };
    await holder.query(`SELECT pg_advisory_lock(${PRUNE_LOCK_ARGUMENTS})`);
    expect(await store.prune(10_000_000_000, retention)).toEqual({ skipped: true, deleted: {} });
    expect(await other.prune(10_000_000_000, retention)).toEqual({ skipped: true, deleted: {} });
    await holder.query(`SELECT pg_advisory_unlock(${PRUNE_LOCK_ARGUMENTS})`);
    const pruned = await store.prune(10_000_000_000, retention);
    expect(pruned.skipped).toBe(false);
    expect(pruned.deleted.analytics_ratelimits).toBe(1);
    expect(pruned.deleted.analytics_ratelimits_per_day).toBe(1);
    // The lock was given back: the other node prunes now (nothing left).
    expect((await other.prune(10_000_000_000, retention)).skipped).toBe(false);
  } finally {
    await holder.end();
    await other.close();
    await store.close();
    await drop();
  }
});

it('two nodes writing overlapping batches at once neither deadlock nor lose a count', async () => {
  const { store, url, drop } = await openFresh();
  const other = new PostgresAnalyticsStore(url);
  try {
    const next = random(21);
    // Both nodes' batches fall on the same few groups, so their upserts contend for the same rollup rows.
    const batches: AnalyticsBatch[] = Array.from({ length: 12 }, () => randomBatch(next, Date.UTC(2026, 2, 31, 23, 59), 200, 'ws'));
    await Promise.all(batches.map((batch, i) => (i % 2 === 0 ? store : other).write(batch)));
    for (const [table, rows] of expectedRollups(batches)) {
      const stored = await store.query({ sql: `SELECT * FROM "${table}"`, parameters: [] }, { timeoutMs: 10_000, maxRows: 100_000 });
      expect(sortRows(stored), table).toEqual(sortRows(rows));
    }
  } finally {
    await other.close();
    await store.close();
    await drop();
  }
});

/**
 * Folding a batch and encoding its columns took milliseconds on the event loop, during which every verification
 * waited (bench/RESULTS.md, "Cached verification on PostgreSQL and its p99"); the writer thread does it now
 * (docs/decisions/0028). Measured per write: the longest the event loop was held while the write was in hand, as a
 * request arriving then would have waited; the median over the writes, so one garbage collection does not decide.
 * With the fold and encoding on this thread, each of these writes held it 25-60 ms on this machine.
 */
/** Of the longest stall per write (median): this thread only packs each batch now, about 1 us per event. */
const HELD_BOUND_MS = 10;

it('writes large batches without holding the event loop: the fold and encoding run on the writer thread', async () => {
  const { store, drop } = await openFresh();
  try {
    const next = random(5);
    const around = Date.UTC(2026, 5, 1, 12);
    // The first write starts the thread and warms its code; it is not measured.
    await store.write(randomBatch(next, around, 1_000, 'ws_warm'));
    const batches = Array.from({ length: 9 }, (_, i) => randomBatch(next, around, 10_000, `ws_${i}`));
    const held: number[] = [];
    const delay = monitorEventLoopDelay({ resolution: 1 });
    for (const batch of batches) {
      delay.reset();
      delay.enable();
      await store.write(batch);
      // One more turn, so a stall at the end of the write is sampled too.
      await new Promise((resolve) => setTimeout(resolve, 5));
      delay.disable();
      held.push(delay.max / 1e6);
    }
    held.sort((a, b) => a - b);
    const median = held[Math.floor(held.length / 2)]!;
    expect(median, `longest event-loop stall per write (ms): ${held.map((ms) => ms.toFixed(1)).join(', ')}`).toBeLessThan(HELD_BOUND_MS);
  } finally {
    await store.close();
    await drop();
  }
});
