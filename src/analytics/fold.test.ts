import { describe, expect, it } from 'vitest';
import type { AnalyticsBatch, VerificationEvent } from './events.js';
import { type ColumnRows, foldBatch, foldPacked } from './fold.js';
import { packBatch } from './packed-batch.js';
import { ANALYTICS_TABLES } from './schema.js';
import { expectedRollups, random, randomBatch, sortRows } from './store.suite.js';

/**
 * The fold of a batch into rollup rows (src/analytics/fold.ts), against the naive reference of the store
 * conformance suite (expectedRollups: one JSON key per event and grain), on randomised batches.
 */

const records = ({ columns, values, count }: ColumnRows): Record<string, unknown>[] =>
  Array.from({ length: count }, (_, row) => Object.fromEntries(columns.map((column, c) => [column, values[c]![row]])));

const byTable = (batch: AnalyticsBatch) => new Map(foldBatch(batch).map((rows) => [rows.table.physicalName, rows]));

/** Every rollup of `batch` as the reference computes it, tables without rows left out as the fold leaves them out. */
function expectRollupsOf(batch: AnalyticsBatch): void {
  const folded = byTable(batch);
  for (const [table, expected] of expectedRollups([batch])) {
    const rows = folded.get(table);
    if (expected.length === 0) {
      expect(rows, table).toBeUndefined();
      continue;
    }
    expect(sortRows(records(rows!)), table).toEqual(sortRows(expected));
  }
}

const MINUTE = 60_000;

describe('foldBatch', () => {
  it('folds randomised batches spread over hours into every rollup exactly, across day, month and year boundaries', () => {
    const next = random(1414);
    for (const around of [Date.UTC(2026, 0, 31, 23, 59, 30), Date.UTC(2028, 1, 29, 23, 0), Date.UTC(2026, 11, 31, 23, 30)]) {
      for (const size of [1, 2, 17, 400]) expectRollupsOf(randomBatch(next, around, size, 'ws_1'));
    }
  });

  it('folds randomised batches within one minute (the usual flush) exactly, at every grain', () => {
    const next = random(99);
    for (const minute of [Date.UTC(2026, 4, 1, 12, 30), Date.UTC(2026, 11, 31, 23, 59), Date.UTC(2028, 1, 29, 0, 0)]) {
      const batch = randomBatch(next, minute, 300, 'ws_1');
      for (const e of [...batch.verifications, ...batch.ratelimits]) e.time = minute + Math.floor(next() * MINUTE);
      expectRollupsOf(batch);
    }
  });

  it("lays out every table's columns in the schema's order", () => {
    const folded = foldBatch(randomBatch(random(8), Date.UTC(2026, 4, 1), 30, 'ws_1'));
    expect(folded.map((rows) => rows.table.physicalName)).toEqual(
      ANALYTICS_TABLES.filter((t) => t.kind !== 'raw').map((t) => t.physicalName),
    );
    for (const rows of folded) {
      expect(rows.columns).toEqual(Object.keys(rows.table.columns));
      expect(rows.values.map((column) => column.length)).toEqual(rows.columns.map(() => rows.count));
    }
  });

  it('orders rollup rows by their grouping values, so every node upserts in one order', () => {
    const folded = foldBatch(randomBatch(random(3), Date.UTC(2026, 4, 1), 400, 'ws_1'));
    for (const rows of folded.filter((r) => r.table.groupBy.length > 0)) {
      const keys = records(rows).map((record) => rows.table.groupBy.map((column) => record[column] as string | number));
      const sorted = [...keys].sort((a, b) => {
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
        return 0;
      });
      expect(keys, rows.table.physicalName).toEqual(sorted);
    }
  });

  it('keeps groups apart whose values differ only in where a NUL falls', () => {
    const event = (identityId: string, externalId: string): VerificationEvent => ({
      time: Date.UTC(2026, 4, 1),
      requestId: `req_${identityId}`,
      workspaceId: 'ws_1',
      keySpaceId: 'api_1',
      keyId: 'key_1',
      identityId,
      externalId,
      outcome: 'VALID',
      tags: [],
      spentCredits: 1,
      latency: 1,
      region: 'node-1',
    });
    const batch: AnalyticsBatch = { verifications: [event('a', '\u0000b'), event('a\u0000', 'b')], ratelimits: [] };
    expect(byTable(batch).get('analytics_verifications_per_month')!.count).toBe(2);
    expectRollupsOf(batch);
  });

  it('folds an empty batch into nothing', () => {
    expect(foldBatch({ verifications: [], ratelimits: [] })).toEqual([]);
  });

  it('folds a packed batch, read in place, into exactly what the batch folds into', () => {
    const next = random(28);
    for (const size of [1, 40, 900]) {
      const batch = randomBatch(next, Date.UTC(2026, 11, 31, 23, 58), size, 'ws_1');
      batch.verifications[0]!.tags = ['z', 'a', 'z'];
      expect(foldPacked(packBatch(batch).packed)).toStrictEqual(foldBatch(batch));
    }
    expect(foldPacked(packBatch({ verifications: [], ratelimits: [] }).packed)).toEqual([]);
  });
});
