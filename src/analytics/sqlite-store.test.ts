import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { tableDdl } from './ddl.js';
import type { VerificationEvent } from './events.js';
import { translateAnalyticsQuery } from './query/translate.js';
import { ANALYTICS_TABLES, DAY_MS } from './schema.js';
import { SqliteAnalyticsStore } from './sqlite-store.js';
import { analyticsStoreConformance } from './store.suite.js';

function openFresh() {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-analytics-'));
  const file = join(dir, 'keyward.sqlite.analytics');
  return { store: SqliteAnalyticsStore.open(file), file, drop: async () => rmSync(dir, { recursive: true, force: true }) };
}

analyticsStoreConformance('analytics store on SQLite', async () => openFresh(), {
  engine: 'sqlite',
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

describe('raw events in blocks (docs/decisions/0040-sqlite-raw-events-in-blocks.md; the store suite holds both engines to the rest)', () => {
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

  it("keeps a request id with a NUL character, and finds a key's blocks through their index", async () => {
    const { store, file, drop } = openFresh();
    try {
      await store.write({ verifications: [verification('a\u0000b'), verification('r2', { keyId: 'key_2' })], ratelimits: [] });
      expect(read(file, "SELECT request_id FROM analytics_verifications WHERE key_id = 'key_1'")).toEqual([{ request_id: 'a\u0000b' }]);
      const { statement } = translateAnalyticsQuery({
        query: "SELECT outcome, count(*) AS total FROM key_verifications_v1 WHERE key_id = 'key_1' GROUP BY outcome",
        source: 'verifications',
        workspaceId: 'ws_1',
        resourceIds: null,
        now: at + 1_000,
        retention: { raw: 30 * DAY_MS, minute: 0, hour: 0, day: 0, month: 0 },
        maxRows: 100,
        engine: 'sqlite',
      });
      // The key's blocks are found through their index, not by reading every block of the workspace.
      const plan = read(file, `EXPLAIN QUERY PLAN ${statement.sql}`, ...statement.parameters).map((row) => row.detail);
      expect(plan.join('\n')).toMatch(/USING INDEX analytics_verification_blocks_workspace_id_key_id_last_time/);
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
