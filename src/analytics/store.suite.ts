import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsEngine } from './ddl.js';
import type { AnalyticsBatch, RatelimitEvent, VerificationEvent } from './events.js';
import { translateAnalyticsQuery } from './query/translate.js';
import { ANALYTICS_TABLES, bucketStart, canonicalTags, ROLLUP_GRAINS } from './schema.js';
import { AnalyticsLimitExceeded, type AnalyticsRetention, type AnalyticsStore } from './store.js';

/**
 * The AnalyticsStore contract (src/analytics/store.ts), run by both implementations
 * (docs/decisions/0011-one-conformance-suite-per-interface.md): src/analytics/sqlite-store.test.ts and
 * src/analytics/postgres-store.test.ts.
 */

export interface OpenedAnalyticsStore {
  store: AnalyticsStore;
  drop(): Promise<void>;
}

export interface AnalyticsEngineFacts {
  engine: AnalyticsEngine;
  /** The engine's n-th (1-based) bound parameter. */
  parameter(n: number): string;
  /** A SELECT that never ends by itself. */
  neverEndingQuery: string;
}

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** A deterministic generator (mulberry32), so a failing case is the same on every run. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(next: () => number, items: readonly T[]): T => items[Math.floor(next() * items.length)]!;

/** Events around `around` (±3 hours), few enough distinct values that groups repeat within and across batches. */
export function randomBatch(next: () => number, around: number, size: number, workspaceId: string): AnalyticsBatch {
  const time = () => around + Math.floor((next() - 0.5) * 6 * HOUR);
  // Quarters add exactly in binary floating point, so sums compare exactly whatever the order of addition.
  const latency = () => Math.floor(next() * 40) / 4;
  const verifications: VerificationEvent[] = Array.from({ length: size }, (_, i) => ({
    time: time(),
    requestId: `req_${i}_${next()}`,
    workspaceId,
    keySpaceId: pick(next, ['api_a', 'api_b']),
    keyId: pick(next, ['key_1', 'key_2', 'key_3', '']),
    identityId: pick(next, ['', 'id_1']),
    externalId: pick(next, ['', 'user_1']),
    outcome: pick(next, ['VALID', 'RATE_LIMITED', 'USAGE_EXCEEDED']),
    tags: pick(next, [[], ['b', 'a'], ['a', 'b', 'a'], ['path=/x']]),
    spentCredits: Math.floor(next() * 3),
    latency: latency(),
    region: 'node-1',
  }));
  const ratelimits: RatelimitEvent[] = Array.from({ length: Math.floor(size / 2) }, (_, i) => ({
    time: time(),
    requestId: `rl_${i}_${next()}`,
    workspaceId,
    namespaceId: pick(next, ['ns_1', 'ns_2']),
    identifier: pick(next, ['alice', 'bob']),
    passed: next() < 0.7,
    latency: latency(),
    overrideId: pick(next, ['', 'ovr_1']),
    region: 'node-1',
  }));
  return { verifications, ratelimits };
}

/** A verification as the raw table's row (src/analytics/schema.ts): what the stores must keep of it. */
export const rawVerification = (e: VerificationEvent): Record<string, unknown> => ({
  request_id: e.requestId,
  time: e.time,
  workspace_id: e.workspaceId,
  key_space_id: e.keySpaceId,
  identity_id: e.identityId,
  external_id: e.externalId,
  key_id: e.keyId,
  region: e.region,
  outcome: e.outcome,
  tags: canonicalTags(e.tags),
  spent_credits: e.spentCredits,
  latency: e.latency,
});

/** A rate-limit decision as the raw table's row. */
export const rawRatelimit = (e: RatelimitEvent): Record<string, unknown> => ({
  request_id: e.requestId,
  time: e.time,
  workspace_id: e.workspaceId,
  namespace_id: e.namespaceId,
  identifier: e.identifier,
  passed: e.passed ? 1 : 0,
  latency: e.latency,
  override_id: e.overrideId,
  region: e.region,
});

/** What every rollup table must hold after `batches`, computed here apart from the stores' own folding. */
export function expectedRollups(batches: AnalyticsBatch[]): Map<string, Record<string, unknown>[]> {
  const expected = new Map<string, Record<string, unknown>[]>();
  for (const grain of ROLLUP_GRAINS) {
    const verifications = new Map<string, Record<string, unknown>>();
    const ratelimits = new Map<string, Record<string, unknown>>();
    for (const batch of batches) {
      for (const e of batch.verifications) {
        const row = {
          time: bucketStart(e.time, grain),
          workspace_id: e.workspaceId,
          key_space_id: e.keySpaceId,
          identity_id: e.identityId,
          external_id: e.externalId,
          key_id: e.keyId,
          outcome: e.outcome,
          tags: canonicalTags(e.tags),
        };
        const key = JSON.stringify(row);
        const found = verifications.get(key) ?? { ...row, count: 0, spent_credits: 0, latency_sum: 0, latency_max: 0 };
        found.count = (found.count as number) + 1;
        found.spent_credits = (found.spent_credits as number) + e.spentCredits;
        found.latency_sum = (found.latency_sum as number) + e.latency;
        found.latency_max = Math.max(found.latency_max as number, e.latency);
        verifications.set(key, found);
      }
      for (const e of batch.ratelimits) {
        const row = {
          time: bucketStart(e.time, grain),
          workspace_id: e.workspaceId,
          namespace_id: e.namespaceId,
          identifier: e.identifier,
        };
        const key = JSON.stringify(row);
        const found = ratelimits.get(key) ?? { ...row, passed: 0, total: 0, latency_sum: 0, latency_max: 0 };
        found.passed = (found.passed as number) + (e.passed ? 1 : 0);
        found.total = (found.total as number) + 1;
        found.latency_sum = (found.latency_sum as number) + e.latency;
        found.latency_max = Math.max(found.latency_max as number, e.latency);
        ratelimits.set(key, found);
      }
    }
    expected.set(`analytics_verifications_per_${grain}`, [...verifications.values()]);
    expected.set(`analytics_ratelimits_per_${grain}`, [...ratelimits.values()]);
  }
  return expected;
}

export const sortRows = (rows: Record<string, unknown>[]) => rows.map((row) => JSON.stringify(row, Object.keys(row).sort())).sort();

export function analyticsStoreConformance(name: string, open: () => Promise<OpenedAnalyticsStore>, facts: AnalyticsEngineFacts): void {
  const unlimited = { timeoutMs: 10_000, maxRows: 1_000_000 };
  // One store for the suite (starting a store's threads and processes costs seconds under tsx); each test writes
  // in a workspace of its own, and the prune test, which prunes every workspace, runs last.
  let opened: OpenedAnalyticsStore;
  let workspaces = 0;
  const p = facts.parameter;
  const all = (store: AnalyticsStore, table: string, workspaceId?: string) =>
    store.query(
      workspaceId === undefined
        ? { sql: `SELECT * FROM "${table}"`, parameters: [] }
        : { sql: `SELECT * FROM "${table}" WHERE workspace_id = ${p(1)}`, parameters: [workspaceId] },
      unlimited,
    );
  const counts = async (store: AnalyticsStore, workspaceId?: string) => {
    const result: Record<string, number> = {};
    for (const table of ANALYTICS_TABLES) result[table.physicalName] = (await all(store, table.physicalName, workspaceId)).length;
    return result;
  };
  const withStore = async (test: (store: AnalyticsStore, workspaceId: string) => Promise<void>) => test(opened.store, `ws_${++workspaces}`);

  describe(name, () => {
    beforeAll(async () => {
      opened = await open();
    });
    afterAll(async () => {
      await opened?.store.close();
      await opened?.drop();
    });

    it('folds randomised batches into every rollup exactly, across hour, day, month and year boundaries', () =>
      withStore(async (store, ws) => {
        const next = random(14);
        const batches: AnalyticsBatch[] = [];
        // Around midnight at the end of a 31-day month, of February in a leap year, and of a year.
        for (const around of [Date.UTC(2026, 0, 31, 23, 59, 30), Date.UTC(2028, 1, 29, 23, 0), Date.UTC(2026, 11, 31, 23, 30)]) {
          for (let i = 0; i < 3; i++) batches.push(randomBatch(next, around, 150, ws));
        }
        for (const batch of batches) await store.write(batch);

        const raw = await all(store, 'analytics_verifications', ws);
        expect(raw).toHaveLength(batches.reduce((n, b) => n + b.verifications.length, 0));
        const sent = batches.flatMap((b) => b.verifications)[0]!;
        expect(raw.find((row) => row.request_id === sent.requestId)).toEqual({
          request_id: sent.requestId,
          time: sent.time,
          workspace_id: sent.workspaceId,
          key_space_id: sent.keySpaceId,
          identity_id: sent.identityId,
          external_id: sent.externalId,
          key_id: sent.keyId,
          region: sent.region,
          outcome: sent.outcome,
          tags: canonicalTags(sent.tags),
          spent_credits: sent.spentCredits,
          latency: sent.latency,
        });
        const ratelimitRaw = await all(store, 'analytics_ratelimits', ws);
        expect(ratelimitRaw).toHaveLength(batches.reduce((n, b) => n + b.ratelimits.length, 0));
        expect(ratelimitRaw.every((row) => row.passed === 0 || row.passed === 1)).toBe(true);

        for (const [table, rows] of expectedRollups(batches)) {
          expect(sortRows(await all(store, table, ws)), table).toEqual(sortRows(rows));
        }
      }));

    it('keeps the events of one key and write as one block, and reads each back exactly through the view and the translator', () =>
      withStore(async (store, ws) => {
        const at = Date.UTC(2026, 4, 1);
        const base = randomBatch(random(31), at, 1, ws).verifications[0]!;
        const event = (requestId: string, overrides: Partial<VerificationEvent> = {}): VerificationEvent => ({
          ...base,
          requestId,
          time: at,
          keyId: 'key_1',
          outcome: 'VALID',
          tags: [],
          spentCredits: 0,
          latency: 1,
          ...overrides,
        });
        const odd = event('a\nb\tc "q" \\ \u2028 😀', {
          keyId: 'key_2',
          tags: ['"x"', '\\', '😀'],
          latency: 0.1 + 0.2,
          spentCredits: 2 ** 53 - 1,
        });
        await store.write({
          verifications: [event('r1'), odd, event('r3', { time: at + 1, outcome: 'RATE_LIMITED', latency: 2 })],
          ratelimits: [],
        });
        const blocks = `SELECT key_id, first_time, last_time FROM analytics_verification_blocks WHERE workspace_id = ${p(1)} ORDER BY key_id`;
        expect(await store.query({ sql: blocks, parameters: [ws] }, unlimited)).toEqual([
          { key_id: 'key_1', first_time: at, last_time: at + 1 },
          { key_id: 'key_2', first_time: at, last_time: at },
        ]);
        expect((await all(store, 'analytics_verifications', ws)).find((row) => row.key_id === 'key_2')).toEqual({
          request_id: odd.requestId,
          time: at,
          workspace_id: ws,
          key_space_id: odd.keySpaceId,
          identity_id: odd.identityId,
          external_id: odd.externalId,
          key_id: 'key_2',
          region: odd.region,
          outcome: 'VALID',
          tags: canonicalTags(odd.tags),
          spent_credits: 2 ** 53 - 1,
          latency: 0.1 + 0.2,
        });
        // A whole latency reads back as a floating-point number, so arithmetic on it is not integer arithmetic.
        const quarter = `SELECT latency / 4 AS q FROM analytics_verifications WHERE workspace_id = ${p(1)} AND request_id = 'r3'`;
        expect(await store.query({ sql: quarter, parameters: [ws] }, unlimited)).toEqual([{ q: 0.5 }]);
        const { statement } = translateAnalyticsQuery({
          query: "SELECT outcome, count(*) AS total FROM key_verifications_v1 WHERE key_id = 'key_1' GROUP BY outcome ORDER BY outcome",
          source: 'verifications',
          workspaceId: ws,
          resourceIds: null,
          now: at + 1_000,
          retention: { raw: 30 * DAY, minute: 0, hour: 0, day: 0, month: 0 },
          maxRows: 100,
          engine: facts.engine,
        });
        expect(await store.query(statement, unlimited)).toEqual([
          { outcome: 'RATE_LIMITED', total: 1 },
          { outcome: 'VALID', total: 1 },
        ]);
      }));

    it('prunes exactly the events before the cutoff, also from a block that holds events on both sides of it', () =>
      withStore(async (store, ws) => {
        // Years before every other test's events, so this prune removes only its own.
        const cutoff = Date.UTC(2000, 0, 1) + 10_000;
        const base = randomBatch(random(32), cutoff, 2, ws);
        const verification = (requestId: string, time: number, keyId = 'key_1'): VerificationEvent => ({
          ...base.verifications[0]!,
          requestId,
          time,
          keyId,
        });
        const ratelimit = (requestId: string, time: number): RatelimitEvent => ({
          ...base.ratelimits[0]!,
          requestId,
          time,
          identifier: 'u',
        });
        await store.write({
          verifications: [
            verification('old-1', cutoff - 5_000, 'key_old'),
            verification('old-2', cutoff - 1),
            verification('kept-1', cutoff),
            verification('kept-2', cutoff + 1),
          ],
          ratelimits: [ratelimit('rl-old', cutoff - 1), ratelimit('rl-kept', cutoff)],
        });
        const rawOnly: AnalyticsRetention = { raw: DAY, minute: 0, hour: 0, day: 0, month: 0 };
        expect((await store.prune(cutoff + DAY, rawOnly)).deleted).toEqual({ analytics_verifications: 2, analytics_ratelimits: 1 });
        const ids = async (table: string) => (await all(store, table, ws)).map((row) => row.request_id).sort();
        expect(await ids('analytics_verifications')).toEqual(['kept-1', 'kept-2']);
        expect(await ids('analytics_ratelimits')).toEqual(['rl-kept']);
        const blocks = `SELECT key_id, first_time, last_time FROM analytics_verification_blocks WHERE workspace_id = ${p(1)}`;
        expect(await store.query({ sql: blocks, parameters: [ws] }, unlimited)).toEqual([
          { key_id: 'key_1', first_time: cutoff, last_time: cutoff + 1 },
        ]);
        // Pruning again at the same time finds nothing more.
        expect((await store.prune(cutoff + DAY, rawOnly)).deleted).toEqual({ analytics_verifications: 0, analytics_ratelimits: 0 });
      }));

    it('writes a batch whose strings are not well-formed UTF-16 (a lone surrogate, as a request may send)', () =>
      withStore(async (store, ws) => {
        const batch = randomBatch(random(21), Date.UTC(2026, 4, 1), 4, ws);
        batch.verifications[0]!.externalId = 'user_\ud800';
        batch.verifications[1]!.requestId = 'req_\udfff';
        batch.ratelimits[0]!.identifier = 'id_\udc00_x';
        await store.write(batch);
        expect(await all(store, 'analytics_verifications', ws)).toHaveLength(batch.verifications.length);
        const raw = await all(store, 'analytics_ratelimits', ws);
        expect(raw).toHaveLength(batch.ratelimits.length);
        // Each engine stores the lone surrogate as replacement characters (PostgreSQL one, SQLite one per byte).
        expect(raw.some((row) => /^id_\ufffd+_x$/.test(row.identifier as string))).toBe(true);
        const rollup = await all(store, 'analytics_verifications_per_month', ws);
        expect(rollup.some((row) => /^user_\ufffd+$/.test(row.external_id as string))).toBe(true);
      }));

    it('writes nothing of a batch that fails, and writes the next one', () =>
      withStore(async (store, ws) => {
        const next = random(7);
        const good = randomBatch(next, Date.UTC(2026, 4, 1), 20, ws);
        const bad = randomBatch(next, Date.UTC(2026, 4, 1), 20, ws);
        // The last row of the last table written fails (NOT NULL), after every other row of the batch went in.
        bad.ratelimits.at(-1)!.workspaceId = null as unknown as string;
        await store.write(good);
        const before = await counts(store, ws);
        await expect(store.write(bad)).rejects.toThrow();
        expect(await counts(store, ws)).toEqual(before);
        await store.write(randomBatch(next, Date.UTC(2026, 4, 1), 5, ws));
        expect((await counts(store, ws)).analytics_verifications).toBe(before.analytics_verifications! + 5);
      }));

    it('runs a query with its parameters, integers as numbers', () =>
      withStore(async (store, ws) => {
        const event = randomBatch(random(3), Date.UTC(2026, 4, 1), 1, ws).verifications[0]!;
        await store.write({
          verifications: [
            { ...event, keyId: 'key_1', spentCredits: 2, workspaceId: ws },
            { ...event, keyId: 'key_1', spentCredits: 3, workspaceId: ws },
            { ...event, keyId: 'key_1', spentCredits: 1, workspaceId: ws },
            { ...event, keyId: 'key_2', spentCredits: 5, workspaceId: ws },
            { ...event, keyId: 'key_1', spentCredits: 7, workspaceId: `${ws}_other` },
          ],
          ratelimits: [],
        });
        const rows = await store.query(
          {
            sql: `SELECT key_id, count(*) AS n, sum(spent_credits) AS credits FROM analytics_verifications WHERE workspace_id = ${facts.parameter(1)} AND spent_credits >= ${facts.parameter(2)} GROUP BY key_id ORDER BY key_id`,
            parameters: [ws, 2],
          },
          { timeoutMs: 5_000, maxRows: 10 },
        );
        expect(rows).toEqual([
          { key_id: 'key_1', n: 2, credits: 5 },
          { key_id: 'key_2', n: 1, credits: 5 },
        ]);
      }));

    it('refuses a query returning more rows than its cap, and answers one returning exactly that many', () =>
      withStore(async (store, ws) => {
        await store.write(randomBatch(random(5), Date.UTC(2026, 4, 1), 30, ws));
        const sql = { sql: `SELECT request_id FROM analytics_verifications WHERE workspace_id = ${p(1)}`, parameters: [ws] };
        const error = await store.query(sql, { timeoutMs: 5_000, maxRows: 29 }).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(AnalyticsLimitExceeded);
        expect((error as AnalyticsLimitExceeded).limit).toBe('rows');
        expect(await store.query(sql, { timeoutMs: 5_000, maxRows: 30 })).toHaveLength(30);
      }));

    it('stops a query that never ends at its time limit, and keeps working', () =>
      withStore(async (store, ws) => {
        // Warm: the first query may start what runs queries.
        await store.query({ sql: 'SELECT 1 AS one', parameters: [] }, { timeoutMs: 10_000, maxRows: 1 });
        const started = performance.now();
        const error = await store
          .query({ sql: facts.neverEndingQuery, parameters: [] }, { timeoutMs: 300, maxRows: 10 })
          .catch((e: unknown) => e);
        expect(performance.now() - started).toBeLessThan(1_300);
        expect(error).toBeInstanceOf(AnalyticsLimitExceeded);
        expect((error as AnalyticsLimitExceeded).limit).toBe('time');
        await store.write(randomBatch(random(9), Date.UTC(2026, 4, 1), 3, ws));
        expect((await counts(store, ws)).analytics_verifications).toBe(3);
      }));

    it('refuses a statement that writes, and changes nothing', () =>
      withStore(async (store, ws) => {
        await store.write(randomBatch(random(4), Date.UTC(2026, 4, 1), 4, ws));
        await expect(
          store.query(
            { sql: `DELETE FROM analytics_verifications WHERE workspace_id = ${p(1)}`, parameters: [ws] },
            { timeoutMs: 5_000, maxRows: 10 },
          ),
        ).rejects.toThrow();
        expect((await counts(store, ws)).analytics_verifications).toBe(4);
      }));

    it('prunes exactly what is past each window; rollups outlive raw retention; 0 keeps forever', () =>
      withStore(async (store, ws) => {
        const now = Date.UTC(2026, 5, 15, 12, 0);
        const next = random(11);
        for (const age of [0, 0.5 * DAY, 1.5 * DAY, 2.5 * DAY, 5 * DAY, 40 * DAY, 400 * DAY]) {
          await store.write(randomBatch(next, now - age - 3 * HOUR, 20, ws));
        }
        const retention: AnalyticsRetention = { raw: DAY, minute: 2 * DAY, hour: 3 * DAY, day: 30 * DAY, month: 0 };
        const expectedDeleted: Record<string, number> = {};
        const kept: Record<string, number> = {};
        for (const table of ANALYTICS_TABLES) {
          const rows = await all(store, table.physicalName);
          const window = retention[table.kind];
          const old = window === 0 ? [] : rows.filter((row) => (row.time as number) < now - window);
          if (window !== 0) expectedDeleted[table.physicalName] = old.length;
          kept[table.physicalName] = rows.length - old.length;
        }
        // Every window has something on both sides of it, or the test would prove little.
        for (const table of ANALYTICS_TABLES.filter((t) => t.kind !== 'month')) {
          expect(expectedDeleted[table.physicalName], table.physicalName).toBeGreaterThan(0);
          expect(kept[table.physicalName], table.physicalName).toBeGreaterThan(0);
        }
        const result = await store.prune(now, retention);
        expect(result).toEqual({ skipped: false, deleted: expectedDeleted });
        expect(await counts(store)).toEqual(kept);
        // Hour rollups still hold what raw retention removed.
        const [oldestHour] = await store.query(
          { sql: 'SELECT min("time") AS t FROM analytics_verifications_per_hour', parameters: [] },
          unlimited,
        );
        expect(oldestHour!.t as number).toBeLessThan(now - retention.raw);
        expect(await store.prune(now, retention)).toEqual({
          skipped: false,
          deleted: Object.fromEntries(Object.keys(expectedDeleted).map((t) => [t, 0])),
        });
      }));
  });
}
