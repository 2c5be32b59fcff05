import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tableDdl } from './ddl.js';
import type { VerificationEvent } from './events.js';
import { translateAnalyticsQuery } from './query/translate.js';
import { ANALYTICS_TABLES, canonicalTags, DAY_MS } from './schema.js';
import { SqliteAnalyticsStore } from './sqlite-store.js';
import { analyticsStoreConformance } from './store.suite.js';

function openFresh() {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-analytics-'));
  const file = join(dir, 'keyward.sqlite.analytics');
  return { store: SqliteAnalyticsStore.open(file), file, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

analyticsStoreConformance('analytics store on SQLite', async () => openFresh(), {
  parameter: () => '?',
  neverEndingQuery: 'WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) AS n FROM r',
});

const event = (requestId: string): VerificationEvent => ({
  time: Date.UTC(2026, 4, 1),
  requestId,
  workspaceId: 'ws_1',
  keySpaceId: 'api_1',
  keyId: 'key_1',
  identityId: '',
  externalId: '',
  outcome: 'VALID',
  tags: [],
  spentCredits: 0,
  latency: 1,
  region: 'n',
});

it('keeps its file 0600 in WAL mode; a writer thread that dies fails the write it had, and the next write starts another', async () => {
  const { store, file, drop } = openFresh();
  try {
    expect(statSync(file).mode & 0o777).toBe(0o600);
    await store.write({ verifications: [event('r1')], ratelimits: [] });
    const db = new Database(file, { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    db.close();
    expect(statSync(`${file}-wal`).mode & 0o777).toBe(0o600);

    const writer = (store as unknown as { writer: { running: { worker: { terminate(): Promise<number> } } } }).writer.running;
    // Large enough (tens of milliseconds of statements) that the thread is still inside it when it is ended: a write of
    // one event could finish before terminate() lands. Ended between two statements, never inside SQLite's own code.
    const lost = store.write({ verifications: Array.from({ length: 20_000 }, (_, i) => event(`r2-${i}`)), ratelimits: [] });
    await writer.worker.terminate();
    await expect(lost).rejects.toThrow(/writer thread ended/);
    await store.write({ verifications: [event('r3')], ratelimits: [] });
    const rows = await store.query(
      { sql: 'SELECT request_id FROM analytics_verifications ORDER BY request_id', parameters: [] },
      { timeoutMs: 5_000, maxRows: 10 },
    );
    expect(rows.map((row) => row.request_id)).toContain('r3');
    expect(rows.map((row) => row.request_id)).toContain('r1');
  } finally {
    await store.close();
    await drop();
  }
});

describe('raw events in blocks (docs/decisions/0040-sqlite-raw-events-in-blocks.md)', () => {
  const at = Date.UTC(2026, 4, 1);
  const verification = (requestId: string, overrides: Partial<VerificationEvent> = {}): VerificationEvent => ({
    ...event(requestId),
    ...overrides,
  });
  const read = (file: string, sql: string, ...parameters: unknown[]) => {
    const db = new Database(file, { readonly: true });
    try {
      return db.prepare(sql).all(...parameters) as Record<string, unknown>[];
    } finally {
      db.close();
    }
  };

  it('writes one block per key and write, and reads every event back exactly through the view and the translator', async () => {
    const { store, file, drop } = openFresh();
    try {
      const odd = verification('a\nb\u0000c "q" \\ \u2028 😀', {
        keyId: 'key_2',
        tags: ['"x"', '\\', '😀'],
        latency: 0.1 + 0.2,
        spentCredits: 2 ** 53 - 1,
      });
      await store.write({
        verifications: [verification('r1'), odd, verification('r3', { time: at + 1, outcome: 'RATE_LIMITED', latency: 2 })],
        ratelimits: [],
      });
      expect(
        read(
          file,
          'SELECT key_id, first_time, last_time, json_array_length(events) AS n FROM analytics_verification_blocks ORDER BY key_id',
        ),
      ).toEqual([
        { key_id: 'key_1', first_time: at, last_time: at + 1, n: 2 },
        { key_id: 'key_2', first_time: at, last_time: at, n: 1 },
      ]);
      const rows = read(file, 'SELECT * FROM analytics_verifications ORDER BY request_id');
      expect(rows.find((row) => row.key_id === 'key_2')).toEqual({
        request_id: odd.requestId,
        time: at,
        workspace_id: 'ws_1',
        key_space_id: 'api_1',
        identity_id: '',
        external_id: '',
        key_id: 'key_2',
        region: 'n',
        outcome: 'VALID',
        tags: canonicalTags(odd.tags),
        spent_credits: 2 ** 53 - 1,
        latency: 0.1 + 0.2,
      });
      // A whole latency reads back as a REAL, so arithmetic on it is not integer arithmetic.
      expect(read(file, "SELECT latency / 4 AS q FROM analytics_verifications WHERE request_id = 'r3'")).toEqual([{ q: 0.5 }]);

      const { statement } = translateAnalyticsQuery({
        query: "SELECT outcome, count(*) AS total FROM key_verifications_v1 WHERE key_id = 'key_1' GROUP BY outcome ORDER BY outcome",
        source: 'verifications',
        workspaceId: 'ws_1',
        resourceIds: null,
        now: at + 1_000,
        retention: { raw: 30 * DAY_MS, minute: 0, hour: 0, day: 0, month: 0 },
        maxRows: 100,
        engine: 'sqlite',
      });
      expect(await store.query(statement, { timeoutMs: 5_000, maxRows: 100 })).toEqual([
        { outcome: 'RATE_LIMITED', total: 1 },
        { outcome: 'VALID', total: 1 },
      ]);
      // The key's blocks are found through their index, not by reading every block of the workspace.
      const plan = read(file, `EXPLAIN QUERY PLAN ${statement.sql}`, ...statement.parameters).map((row) => row.detail);
      expect(plan.join('\n')).toMatch(/USING INDEX analytics_verification_blocks_workspace_id_key_id_last_time/);
    } finally {
      await store.close();
      await drop();
    }
  });

  it('prunes exactly the events before the cutoff, also from a block that holds events on both sides of it', async () => {
    const { store, file, drop } = openFresh();
    try {
      const cutoff = at + 10_000;
      await store.write({
        verifications: [
          verification('old-1', { time: cutoff - 5_000, keyId: 'key_old' }),
          verification('old-2', { time: cutoff - 1 }),
          verification('kept-1', { time: cutoff }),
          verification('kept-2', { time: cutoff + 1 }),
        ],
        ratelimits: [
          {
            time: cutoff - 1,
            requestId: 'rl-old',
            workspaceId: 'ws_1',
            namespaceId: 'ns_1',
            identifier: 'u',
            passed: true,
            latency: 1,
            overrideId: '',
            region: 'n',
          },
          {
            time: cutoff,
            requestId: 'rl-kept',
            workspaceId: 'ws_1',
            namespaceId: 'ns_1',
            identifier: 'u',
            passed: false,
            latency: 1,
            overrideId: '',
            region: 'n',
          },
        ],
      });
      const result = await store.prune(cutoff + DAY_MS, { raw: DAY_MS, minute: 0, hour: 0, day: 0, month: 0 });
      expect(result.deleted).toEqual({ analytics_verifications: 2, analytics_ratelimits: 1 });
      expect(read(file, 'SELECT request_id FROM analytics_verifications ORDER BY request_id').map((row) => row.request_id)).toEqual([
        'kept-1',
        'kept-2',
      ]);
      expect(read(file, 'SELECT request_id FROM analytics_ratelimits').map((row) => row.request_id)).toEqual(['rl-kept']);
      expect(read(file, 'SELECT key_id, first_time, last_time FROM analytics_verification_blocks')).toEqual([
        { key_id: 'key_1', first_time: cutoff, last_time: cutoff + 1 },
      ]);
      // Pruning again at the same time finds nothing more.
      expect((await store.prune(cutoff + DAY_MS, { raw: DAY_MS, minute: 0, hour: 0, day: 0, month: 0 })).deleted).toEqual({
        analytics_verifications: 0,
        analytics_ratelimits: 0,
      });
    } finally {
      await store.close();
      await drop();
    }
  });

  it('upgrades a schema 2 file: its raw rows move into blocks and read back the same', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-analytics-'));
    const file = join(dir, 'keyward.sqlite.analytics');
    try {
      const old = new Database(file);
      old.pragma('journal_mode = WAL');
      for (const table of ANALYTICS_TABLES) for (const statement of tableDdl(table, 'sqlite')) old.exec(statement);
      old.pragma('user_version = 2');
      const insert = old.prepare(
        'INSERT INTO analytics_verifications (request_id, time, workspace_id, key_space_id, identity_id, external_id, key_id, region, outcome, tags, spent_credits, latency) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      // Two minutes of key_1, one event of key_2: three blocks.
      const rows = [
        ['r1', at, 'ws_1', 'api_1', 'id_1', 'ext "1"', 'key_1', 'n', 'VALID', '["a \\"b\\""]', 2 ** 53 - 1, 1.5],
        ['r2', at + 59_999, 'ws_1', 'api_1', 'id_1', 'ext "1"', 'key_1', 'n', 'VALID', '[]', 0, 2],
        ['r3', at + 60_000, 'ws_1', 'api_1', 'id_1', 'ext "1"', 'key_1', 'n', 'EXPIRED', '[]', 0, 0.1 + 0.2],
        ['r4', at, 'ws_2', 'api_9', '', '', 'key_2', 'n', 'VALID', '[]', 0, 3],
      ];
      for (const row of rows) insert.run(...row);
      old.prepare("INSERT INTO analytics_ratelimits VALUES ('q1', ?, 'ws_1', 'ns_1', 'user', 1, 0.5, '', 'n')").run(at);
      old.close();

      const store = SqliteAnalyticsStore.open(file);
      await store.close();
      const columns = [
        'request_id',
        'time',
        'workspace_id',
        'key_space_id',
        'identity_id',
        'external_id',
        'key_id',
        'region',
        'outcome',
        'tags',
        'spent_credits',
        'latency',
      ];
      expect(read(file, 'SELECT * FROM analytics_verifications ORDER BY request_id')).toEqual(
        rows.map((row) => Object.fromEntries(columns.map((c, i) => [c, row[i]]))),
      );
      expect(read(file, 'SELECT count(*) AS n FROM analytics_verification_blocks')).toEqual([{ n: 3 }]);
      expect(read(file, 'SELECT request_id, passed, latency FROM analytics_ratelimits')).toEqual([
        { request_id: 'q1', passed: 1, latency: 0.5 },
      ]);
      expect(read(file, "SELECT type FROM sqlite_master WHERE name = 'analytics_verifications'")).toEqual([{ type: 'view' }]);
      expect(read(file, 'PRAGMA user_version')).toEqual([{ user_version: 3 }]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
