import pg from 'pg';
import { expect, it, vi } from 'vitest';
import { migratedPostgresSchema } from '../../test/harness.js';
import { PRUNE_LOCK_ARGUMENTS, PostgresAnalyticsStore } from './postgres-store.js';
import type { AnalyticsBatch } from './events.js';
import { WriterThread } from './writer-thread.js';
import { foldBatch, foldPacked } from './fold.js';
import { writeFoldedBatch } from './postgres-write.js';
import { translateAnalyticsQuery } from './query/translate.js';
import { DAY_MS } from './schema.js';
import { analyticsStoreConformance, expectedRollups, random, randomBatch, sortRows } from './store.suite.js';

// The main thread's own copies of the fold and the INSERT writer, wrapped to count calls (the writer thread loads its
// own, unwrapped: module-runner.ts).
vi.mock('./fold.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./fold.js')>();
  return { ...original, foldPacked: vi.fn(original.foldPacked), foldBatch: vi.fn(original.foldBatch) };
});
vi.mock('./postgres-write.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('./postgres-write.js')>();
  return { ...original, writeFoldedBatch: vi.fn(original.writeFoldedBatch) };
});

/** A fresh schema migrated as the main store migrates it (migration 0006 makes the analytics tables). */
async function openFresh() {
  const { url, drop } = await migratedPostgresSchema();
  return { store: new PostgresAnalyticsStore(url, { statementTimeoutMs: 10_000 }), url, drop };
}

analyticsStoreConformance('analytics store on PostgreSQL', openFresh, {
  engine: 'postgres',
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

it("finds a key's blocks, and the prune its old blocks, through their indexes (docs/decisions/0044)", async () => {
  const { store, url, drop } = await openFresh();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (let i = 0; i < 5; i++) await store.write(randomBatch(random(40 + i), Date.UTC(2026, 4, 1) + i * 60_000, 200, 'ws_1'));
    const { statement } = translateAnalyticsQuery({
      query: "SELECT outcome, count(*) AS total FROM key_verifications_v1 WHERE key_id = 'key_1' GROUP BY outcome",
      source: 'verifications',
      workspaceId: 'ws_1',
      resourceIds: null,
      now: Date.UTC(2026, 4, 2),
      retention: { raw: 30 * DAY_MS, minute: 0, hour: 0, day: 0, month: 0 },
      maxRows: 100,
      engine: 'postgres',
    });
    // A few blocks would be read whole; what matters is that the filters name columns an index can serve.
    await client.query('SET enable_seqscan = off');
    const plan = async (sql: string, parameters: unknown[]) =>
      (await client.query(`EXPLAIN ${sql}`, parameters)).rows.map((row) => row['QUERY PLAN']).join('\n');
    expect(await plan(statement.sql, [...statement.parameters])).toMatch(/analytics_verification_blocks_workspace_key_last_time/);
    expect(await plan('SELECT ctid FROM analytics_verification_blocks WHERE "first_time" < $1 LIMIT 10', [Date.UTC(2026, 4, 1)])).toMatch(
      /analytics_verification_blocks_first_time/,
    );
  } finally {
    await client.end();
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

it('writes batches without working on the event loop: the fold and the INSERTs run on the writer thread', async () => {
  const { store, drop } = await openFresh();
  const asked = vi.spyOn(WriterThread.prototype, 'ask');
  try {
    const next = random(5);
    const batches = Array.from({ length: 3 }, (_, i) => randomBatch(next, Date.UTC(2026, 5, 1, 12), 1_000, `ws_${i}`));
    const verifications = batches.reduce((n, b) => n + b.verifications.length, 0);
    for (const batch of batches) await store.write(batch);

    // Folding a batch and encoding its rows took milliseconds on the event loop, during which every verification
    // waited (docs/decisions/0028). This thread only packs each batch into typed columns and moves them to the writer
    // thread; the thread's own modules (postgres-worker.ts) fold and write. What the main thread's part costs is a
    // benchmark's figure (the main thread's CPU per request, bench/lib/threads.ts), not this test's.
    expect(foldPacked).not.toHaveBeenCalled();
    expect(foldBatch).not.toHaveBeenCalled();
    expect(writeFoldedBatch).not.toHaveBeenCalled();
    const writes = asked.mock.calls.filter(([body]) => body.kind === 'write');
    expect(writes).toHaveLength(batches.length);
    for (const [body, transfer] of writes) {
      // Moved, not copied: the packed columns left this thread (a transferred buffer is detached here).
      expect(transfer?.length).toBeGreaterThan(0);
      for (const buffer of transfer ?? []) expect(buffer.byteLength).toBe(0);
      expect(body.kind === 'write' && body.packed.verifications + body.packed.ratelimits).toBeGreaterThan(0);
    }
    // And the writer thread did write them.
    const counted = await store.query(
      { sql: 'SELECT count(*)::int AS n FROM analytics_verifications', parameters: [] },
      { timeoutMs: 10_000, maxRows: 1 },
    );
    expect(counted).toEqual([{ n: verifications }]);
  } finally {
    asked.mockRestore();
    await store.close();
    await drop();
  }
});
