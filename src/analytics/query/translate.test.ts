import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KeywardError } from '../../core/errors.js';
import type { VerificationEvent } from '../events.js';
import { DAY, HOUR, NOW, RETENTION, TODAY, writeKnownEvents } from '../../../test/analytics-query-rows.js';
import { migratedPostgresSchema } from '../../../test/harness.js';
import { PostgresAnalyticsStore } from '../postgres-store.js';
import { SqliteAnalyticsStore } from '../sqlite-store.js';
import { AnalyticsLimitExceeded, type AnalyticsQueryLimits, type AnalyticsStore, type CompiledAnalyticsQuery } from '../store.js';
import { presentRows } from './results.js';
import type { AnalyticsEngine } from './sql-writer.js';
import { startOf } from './time.js';
import { type AnalyticsQueryRequest, translateAnalyticsQuery } from './translate.js';

/**
 * The translator's output executed by the real analytics stores (SqliteAnalyticsStore on a fresh file,
 * PostgresAnalyticsStore on a freshly migrated schema) over known events written through them
 * (test/analytics-query-rows.ts): the typical upstream queries answer exactly the known figures, and injection attempts
 * are refused with upstream's error types or see only the caller's rows, on SQLite and PostgreSQL.
 */

/** A key hash in a real `keys` table beside the analytics tables: no query may ever return it. */
const SECRET = 'secret-that-must-never-be-returned';
const LIMITS: AnalyticsQueryLimits = { timeoutMs: 5_000, maxRows: 10_000 };

interface OpenStore {
  store: AnalyticsStore;
  close(): Promise<void>;
}

/**
 * SQLite: the analytics file holds only analytics tables, so a `keys` table is made in it (the same file the store's
 * queries read). PostgreSQL: the analytics tables share the schema with Keyward's own, so the key goes into the real
 * `keys` table, with the workspace and API it needs.
 */
async function openStore(engine: AnalyticsEngine): Promise<OpenStore> {
  if (engine === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-analytics-'));
    const file = join(dir, 'keyward.sqlite.analytics');
    const store = SqliteAnalyticsStore.open(file);
    const db = new Database(file);
    db.exec('CREATE TABLE keys (id TEXT PRIMARY KEY, workspace_id TEXT NOT NULL, hash TEXT NOT NULL)');
    db.prepare('INSERT INTO keys (id, workspace_id, hash) VALUES (?, ?, ?)').run('key_1', 'ws_a', SECRET);
    db.close();
    return {
      store,
      close: async () => {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const { url, drop } = await migratedPostgresSchema();
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query("INSERT INTO workspaces (id, name, created_at) VALUES ('ws_a', 'a', $1)", [NOW]);
    await client.query("INSERT INTO apis (id, workspace_id, name, created_at) VALUES ('api_1', 'ws_a', 'api', $1)", [NOW]);
    await client.query(
      "INSERT INTO keys (id, workspace_id, api_id, hash, start, created_at) VALUES ('key_1', 'ws_a', 'api_1', $1, 'k', $2)",
      [SECRET, NOW],
    );
  } finally {
    await client.end();
  }
  const store = new PostgresAnalyticsStore(url, { statementTimeoutMs: 10_000 });
  return {
    store,
    close: async () => {
      await store.close();
      await drop();
    },
  };
}

describe.each(['sqlite', 'postgres'] as AnalyticsEngine[])('analytics query translation on %s', (engine) => {
  let opened: OpenStore;
  const analytics = {
    run: (statement: CompiledAnalyticsQuery, limits: AnalyticsQueryLimits = LIMITS) => opened.store.query(statement, limits),
  };

  beforeAll(async () => {
    opened = await openStore(engine);
    await writeKnownEvents(opened.store, { a: 'ws_a', b: 'ws_b' });
  });
  afterAll(async () => opened.close());

  const request = (query: string, overrides: Partial<AnalyticsQueryRequest> = {}): AnalyticsQueryRequest => ({
    query,
    source: 'verifications',
    workspaceId: 'ws_a',
    resourceIds: null,
    now: NOW,
    retention: RETENTION,
    maxRows: 10_000,
    engine,
    ...overrides,
  });

  const rows = async (query: string, overrides: Partial<AnalyticsQueryRequest> = {}) => {
    const translated = translateAnalyticsQuery(request(query, overrides));
    return presentRows(await analytics.run(translated.statement), translated.output);
  };

  const refusal = (query: string, overrides: Partial<AnalyticsQueryRequest> = {}): string => {
    try {
      translateAnalyticsQuery(request(query, overrides));
    } catch (error) {
      if (error instanceof KeywardError) return error.code;
      throw error;
    }
    return 'accepted';
  };

  describe('the typical upstream queries', () => {
    it('counts by outcome for a key (raw events; the old event is outside the window, ws_b is never seen)', async () => {
      expect(
        await rows("SELECT outcome, count(*) AS total FROM key_verifications_v1 WHERE key_id = 'key_1' GROUP BY outcome ORDER BY outcome"),
      ).toEqual([
        { outcome: 'RATE_LIMITED', total: 1 },
        { outcome: 'VALID', total: 3 },
      ]);
    });

    it('usage per day per identity from the per-day table', async () => {
      expect(
        await rows(
          'SELECT external_id, time AS date, SUM(count) AS verifications FROM key_verifications_per_day_v1 ' +
            'WHERE time >= now() - INTERVAL 30 DAY GROUP BY external_id, date ORDER BY external_id, date',
        ),
      ).toEqual([
        { external_id: 'user_1', date: TODAY - DAY, verifications: 1 },
        { external_id: 'user_1', date: TODAY, verifications: 3 },
        { external_id: 'user_2', date: TODAY - 2 * DAY, verifications: 2 },
        { external_id: 'user_2', date: TODAY, verifications: 1 },
      ]);
    });

    it("upstream's documented queries: outcome totals, success rate per API, errors per key", async () => {
      expect(
        await rows(
          'SELECT outcome, SUM(count) as count FROM key_verifications_per_day_v1 WHERE time >= now() - INTERVAL 30 DAY ' +
            'GROUP BY outcome ORDER BY count DESC, outcome',
        ),
      ).toEqual([
        { outcome: 'VALID', count: 5 },
        { outcome: 'RATE_LIMITED', count: 1 },
        { outcome: 'USAGE_EXCEEDED', count: 1 },
      ]);
      expect(
        await rows(
          "SELECT key_space_id, SUM(count) as verifications, round(SUM(CASE WHEN outcome = 'VALID' THEN count ELSE 0 END) / SUM(count) * 100, 2) " +
            "as success_rate FROM key_verifications_per_day_v1 WHERE key_space_id IN ('api_1', 'api_2') AND time >= now() - INTERVAL 7 DAY " +
            'GROUP BY key_space_id ORDER BY key_space_id',
        ),
      ).toEqual([
        { key_space_id: 'api_1', verifications: 4, success_rate: 75 },
        { key_space_id: 'api_2', verifications: 3, success_rate: 66.67 },
      ]);
      expect(
        await rows(
          "SELECT key_id, SUM(count) as total_errors, groupUniqArray(outcome) as error_types FROM key_verifications_per_day_v1 WHERE outcome != 'VALID' " +
            'AND time >= now() - INTERVAL 7 DAY GROUP BY key_id ORDER BY total_errors DESC, key_id LIMIT 20',
        ),
      ).toEqual([
        { key_id: 'key_1', total_errors: 1, error_types: ['RATE_LIMITED'] },
        { key_id: 'key_2', total_errors: 1, error_types: ['USAGE_EXCEEDED'] },
      ]);
    });

    it('top keys by verifications', async () => {
      expect(
        await rows(
          'SELECT key_id, SUM(count) AS total FROM key_verifications_per_day_v1 WHERE time >= now() - INTERVAL 30 DAY ' +
            'GROUP BY key_id ORDER BY total DESC LIMIT 10',
        ),
      ).toEqual([
        { key_id: 'key_1', total: 4 },
        { key_id: 'key_2', total: 3 },
      ]);
    });

    it('filters by tag with has(), hasAny() and hasAll()', async () => {
      expect(
        await rows(
          "SELECT SUM(count) as total FROM key_verifications_per_day_v1 WHERE has(tags, 'path=/v1') AND time >= now() - INTERVAL 7 DAY",
        ),
      ).toEqual([{ total: 3 }]);
      expect(await rows("SELECT count(*) AS n FROM key_verifications_v1 WHERE hasAny(tags, ['path=/v2', 'region=eu'])")).toEqual([
        { n: 3 },
      ]);
      expect(await rows("SELECT count(*) AS n FROM key_verifications_v1 WHERE hasAll(tags, ['path=/v1', 'region=eu'])")).toEqual([
        { n: 2 },
      ]);
      expect(await rows('SELECT count(*) AS n FROM key_verifications_v1 WHERE hasAll(tags, [])')).toEqual([{ n: 7 }]);
    });

    it('reads latency_avg of a rollup, and averages over rows as sum / count', async () => {
      expect(
        await rows(
          "SELECT key_id, latency_avg FROM key_verifications_per_day_v1 WHERE outcome = 'VALID' AND key_id = 'key_1' AND time >= today()",
        ),
      ).toEqual([{ key_id: 'key_1', latency_avg: 3 }]);
      expect(
        await rows(
          "SELECT round(SUM(latency_sum) / SUM(count), 2) AS avg_latency FROM key_verifications_per_day_v1 WHERE key_id = 'key_1' AND time >= toStartOfDay(now())",
        ),
      ).toEqual([{ avg_latency: 2.33 }]);
    });

    it('breaks counts down with sumIf, countIf and CASE', async () => {
      expect(
        await rows(
          "SELECT sumIf(count, outcome = 'VALID') AS valid, sumIf(count, outcome = 'RATE_LIMITED') AS rateLimited, " +
            "SUM(CASE WHEN outcome = 'USAGE_EXCEEDED' THEN count ELSE 0 END) AS exceeded, SUM(count) AS total " +
            'FROM key_verifications_per_day_v1 WHERE time >= now() - INTERVAL 7 DAY',
        ),
      ).toEqual([{ valid: 5, rateLimited: 1, exceeded: 1, total: 7 }]);
      expect(await rows("SELECT countIf(outcome = 'VALID') AS valid FROM key_verifications_v1")).toEqual([{ valid: 5 }]);
    });

    it('answers tags as arrays and buckets time with toStartOfDay', async () => {
      expect(
        await rows(
          "SELECT tags, count(*) AS n FROM key_verifications_v1 WHERE key_id = 'key_1' AND outcome = 'VALID' GROUP BY tags ORDER BY n DESC",
        ),
      ).toEqual([
        { tags: ['path=/v1', 'region=eu'], n: 2 },
        { tags: ['path=/v2'], n: 1 },
      ]);
      expect(await rows('SELECT toStartOfDay(time) AS day, count(*) AS n FROM key_verifications_v1 GROUP BY day ORDER BY day')).toEqual([
        { day: TODAY - 2 * DAY, n: 2 },
        { day: TODAY - DAY, n: 1 },
        { day: TODAY, n: 4 },
      ]);
    });

    it('computes the time functions as the retention check does, on every engine', async () => {
      const [row] = await rows(
        'SELECT time, toStartOfMinute(time) AS minute, toStartOfHour(time) AS hour, toDate(time) AS day, ' +
          'toStartOfWeek(time) AS week, toStartOfMonth(time) AS month, toStartOfYear(time) AS year, ' +
          'fromUnixTimestamp64Milli(time) + toIntervalHour(1) AS later, today() AS today FROM key_verifications_v1 ' +
          "WHERE key_id = 'key_1' AND outcome = 'RATE_LIMITED'",
      );
      const time = NOW - 3 * HOUR;
      expect(row).toEqual({
        time,
        minute: startOf(time, 'minute'),
        hour: startOf(time, 'hour'),
        day: startOf(time, 'day'),
        week: Date.UTC(2026, 0, 11),
        month: Date.UTC(2026, 0, 1),
        year: Date.UTC(2026, 0, 1),
        later: time + HOUR,
        today: TODAY,
      });
    });

    it('reads EXISTS and IN subqueries over the same tables', async () => {
      expect(
        await rows(
          'SELECT DISTINCT key_id FROM key_verifications_v1 AS v WHERE EXISTS (SELECT 1 FROM key_verifications_per_day_v1 AS d ' +
            "WHERE d.key_id = v.key_id AND d.outcome = 'USAGE_EXCEEDED')",
        ),
      ).toEqual([{ key_id: 'key_2' }]);
      expect(
        await rows(
          "SELECT count(*) AS n FROM key_verifications_v1 WHERE key_id IN (SELECT key_id FROM key_verifications_v1 WHERE outcome = 'RATE_LIMITED')",
        ),
      ).toEqual([{ n: 4 }]);
      expect(refusal('SELECT count(*) FROM key_verifications_v1 WHERE EXISTS(1)')).toBe('invalid_analytics_query');
    });

    it('answers the string functions alike on every engine', async () => {
      expect(
        await rows(
          "SELECT upper(substring(outcome, 1, 4)) AS a, lower(outcome) AS b, length(key_id) AS c, concat(key_id, '/', outcome) AS d, " +
            "startsWith(outcome, 'RATE') AS e, endsWith(outcome, 'LIMITED') AS f, trim(concat(' ', key_id, ' ')) AS g, " +
            "if(outcome = 'VALID', 'ok', 'no') AS h, coalesce(NULL, key_id) AS i, toString(spent_credits) AS j " +
            "FROM key_verifications_v1 WHERE outcome = 'RATE_LIMITED'",
        ),
      ).toEqual([
        {
          a: 'RATE',
          b: 'rate_limited',
          c: 5,
          d: 'key_1/RATE_LIMITED',
          e: engine === 'sqlite' ? 1 : true,
          f: engine === 'sqlite' ? 1 : true,
          g: 'key_1',
          h: 'no',
          i: 'key_1',
          j: '0',
        },
      ]);
    });

    it('answers the numeric and aggregate functions alike on every engine', async () => {
      expect(
        await rows(
          'SELECT abs(-latency) AS a, floor(latency / 4) AS b, ceil(latency / 4) AS c, round(latency / 3) AS d, toInt64(latency * 1.5) AS e, ' +
            "toFloat64(spent_credits) AS f FROM key_verifications_v1 WHERE key_id = 'key_1' AND latency = 6",
        ),
      ).toEqual([{ a: 6, b: 1, c: 2, d: 2, e: 9, f: 1 }]);
      expect(
        await rows(
          'SELECT uniq(key_id) AS a, uniqExact(outcome) AS b, any(key_space_id) AS c, avg(latency) AS d, min(latency) AS e, max(latency) AS f, ' +
            "sum(spent_credits) AS g, count(DISTINCT external_id) AS h FROM key_verifications_v1 WHERE key_space_id = 'api_1'",
        ),
      ).toEqual([{ a: 1, b: 2, c: 'api_1', d: 3.25, e: 1, f: 6, g: 3, h: 1 }]);
      expect(
        await rows("SELECT sum(count) AS s, countIf(outcome = 'X') AS c FROM key_verifications_per_day_v1 WHERE key_id = 'none'"),
      ).toEqual([{ s: 0, c: 0 }]);
    });

    it('groups and orders by position in the select list', async () => {
      expect(await rows('SELECT outcome, count(*) AS n FROM key_verifications_v1 GROUP BY 1 ORDER BY 2 DESC, 1')).toEqual([
        { outcome: 'VALID', n: 5 },
        { outcome: 'RATE_LIMITED', n: 1 },
        { outcome: 'USAGE_EXCEEDED', n: 1 },
      ]);
      expect(refusal('SELECT outcome FROM key_verifications_v1 GROUP BY 2')).toBe('invalid_analytics_query');
      expect(refusal('SELECT outcome FROM key_verifications_v1 ORDER BY 1.5')).toBe('invalid_analytics_query');
    });

    it('names an unaliased expression as written, the same on every engine', async () => {
      expect(await rows("SELECT COUNT(*) FROM key_verifications_v1 WHERE key_id = 'key_2'")).toEqual([{ 'COUNT(*)': 3 }]);
    });

    it('compares time with a date written as text', async () => {
      const since = new Date(TODAY).toISOString().slice(0, 10);
      expect(await rows(`SELECT count(*) AS n FROM key_verifications_v1 WHERE time >= '${since}'`)).toEqual([{ n: 4 }]);
    });

    it('queries the rate-limit tables on getRatelimits', async () => {
      expect(
        await rows('SELECT passed, count(*) AS n FROM ratelimits_v1 GROUP BY passed ORDER BY passed', { source: 'ratelimits' }),
      ).toEqual([
        { passed: 0, n: 1 },
        { passed: 1, n: 2 },
      ]);
    });

    it('reads the rate-limit rollups, latency_avg included', async () => {
      expect(
        await rows(
          'SELECT namespace_id, SUM(passed) AS passed, SUM(total) AS total, max(latency_avg) AS latency FROM ratelimits_per_hour_v1 ' +
            'GROUP BY namespace_id ORDER BY namespace_id',
          { source: 'ratelimits' },
        ),
      ).toEqual([
        { namespace_id: 'rlns_1', passed: 2, total: 2, latency: 1 },
        { namespace_id: 'rlns_2', passed: 0, total: 1, latency: 4 },
      ]);
    });

    it('restricts a per-API caller to its APIs, and a per-namespace caller to its namespaces', async () => {
      expect(
        await rows('SELECT key_space_id, count(*) AS n FROM key_verifications_v1 GROUP BY key_space_id', { resourceIds: ['api_2'] }),
      ).toEqual([{ key_space_id: 'api_2', n: 3 }]);
      expect(await rows("SELECT count(*) AS n FROM key_verifications_v1 WHERE key_id = 'key_1'", { resourceIds: ['api_2'] })).toEqual([
        { n: 0 },
      ]);
      expect(await rows('SELECT count(*) AS n FROM ratelimits_v1', { source: 'ratelimits', resourceIds: ['rlns_2'] })).toEqual([{ n: 1 }]);
    });

    it('caps the outermost LIMIT at the row limit', async () => {
      expect(await rows('SELECT key_id FROM key_verifications_v1 LIMIT 1000', { maxRows: 2 })).toHaveLength(2);
      expect(await rows('SELECT key_id FROM key_verifications_v1', { maxRows: 3 })).toHaveLength(3);
    });
  });

  describe("raw blocks chosen by the WHERE's own times", () => {
    // Two writes, ten days apart: blocks of each, so a time range can leave the old ones unread.
    const event = (requestId: string, time: number, keyId: string): VerificationEvent => ({
      time,
      requestId,
      workspaceId: 'ws_c',
      keySpaceId: 'api_c',
      keyId,
      identityId: '',
      externalId: '',
      outcome: 'VALID',
      tags: [],
      spentCredits: 0,
      latency: 1,
      region: 'node-1',
    });
    beforeAll(async () => {
      const old = [event('old-1', NOW - 10 * DAY, 'key_a'), event('old-2', NOW - 10 * DAY + HOUR, 'key_b')];
      await opened.store.write({ verifications: old, ratelimits: [] });
      const recent = [event('new-1', NOW - HOUR, 'key_a'), event('new-2', NOW - 2 * HOUR, 'key_a'), event('new-3', NOW - HOUR, 'key_b')];
      await opened.store.write({ verifications: recent, ratelimits: [] });
    });
    const ws = { workspaceId: 'ws_c' };

    it('answers exactly, with the range (a minute wider) on the blocks, and without it when the WHERE does not bound every row', async () => {
      const recent =
        'SELECT key_id, count(*) AS n FROM key_verifications_v1 WHERE time >= now() - INTERVAL 1 DAY GROUP BY key_id ORDER BY key_id';
      const recentRows = [
        { key_id: 'key_a', n: 2 },
        { key_id: 'key_b', n: 1 },
      ];
      expect(await rows(recent, ws)).toEqual(recentRows);
      expect(translateAnalyticsQuery(request(recent, ws)).statement.parameters).toContain(NOW - DAY - 60_000);

      const old = 'SELECT count(*) AS n FROM key_verifications_v1 AS v WHERE v.time < now() - INTERVAL 5 DAY';
      expect(await rows(old, ws)).toEqual([{ n: 2 }]);
      expect(translateAnalyticsQuery(request(old, ws)).statement.sql).toMatch(/b\."first_time" <= /);

      const between = `SELECT count(*) AS n FROM key_verifications_v1 WHERE time BETWEEN ${NOW - 3 * HOUR} AND ${NOW - 90 * 60_000}`;
      expect(await rows(between, ws)).toEqual([{ n: 1 }]);

      // Kept forever (raw retention 0): the bound alone chooses the blocks, a minute wider.
      const forever = { ...ws, retention: { ...RETENTION, raw: 0 } };
      expect(await rows(recent, forever)).toEqual(recentRows);
      expect(translateAnalyticsQuery(request(recent, forever)).statement.parameters).toContain(NOW - DAY - 60_000);

      const either = "SELECT count(*) AS n FROM key_verifications_v1 WHERE time >= now() - INTERVAL 1 DAY OR key_id = 'key_b'";
      expect(await rows(either, ws)).toEqual([{ n: 4 }]);
      expect(translateAnalyticsQuery(request(either, ws)).statement.sql).not.toMatch(/first_time/);
    });
  });

  describe('injection attempts', () => {
    it.each([
      'SELECT * FROM `keys`',
      'SELECT hash FROM root_keys',
      'SELECT * FROM sqlite_master',
      'SELECT * FROM pg_catalog.pg_tables',
      'SELECT * FROM information_schema.tables',
      'SELECT * FROM analytics_verifications',
      'SELECT * FROM `default`.key_verifications_raw_v2',
      'SELECT * FROM main.key_verifications_v1',
      'SELECT * FROM ratelimits_v1',
      'SELECT * FROM key_verifications_v1 WHERE key_id IN (SELECT id FROM `keys`)',
      'SELECT * FROM key_verifications_v1 JOIN root_keys ON root_keys.id = key_verifications_v1.key_id',
      'SELECT key_id FROM key_verifications_v1 UNION SELECT hash FROM `keys`',
      'WITH k AS (SELECT * FROM root_keys) SELECT * FROM k',
      'WITH key_verifications_v1 AS (SELECT 1) SELECT * FROM key_verifications_v1',
      'WITH r AS (SELECT * FROM r) SELECT * FROM r',
      'SELECT * FROM root_keys -- FROM key_verifications_v1',
      'SELECT key_verifications_v1.key_id FROM key_verifications_v1 WHERE root_keys.id = 1',
    ])('refuses another table: %s', (query) => {
      expect(refusal(query)).toBe('invalid_analytics_table');
    });

    it.each([
      "INSERT INTO key_verifications_v1 (key_id) VALUES ('x')",
      "UPDATE key_verifications_v1 SET outcome = 'VALID'",
      'DELETE FROM key_verifications_v1',
      'DROP TABLE analytics_verifications',
      'CREATE TABLE x (a int)',
      'WITH x AS (SELECT 1) DELETE FROM key_verifications_v1',
    ])('refuses a write as a wrong query type: %s', (query) => {
      expect(refusal(query)).toBe('invalid_analytics_query_type');
    });

    it.each([
      "ATTACH DATABASE '/tmp/other.sqlite' AS other",
      'PRAGMA table_info(keys)',
      "COPY keys TO '/tmp/keys.csv'",
      // `keys`, `default` and table functions are not even parsed (a reserved word, and no table functions in the grammar).
      'DROP TABLE keys',
      'SELECT * FROM keys',
      'SELECT * FROM key_verifications_v1 WHERE key_id IN (SELECT id FROM keys)',
      'SELECT * FROM default.key_verifications_raw_v2',
      "SELECT * FROM file('/etc/passwd')",
      'SELECT * FROM key_verifications_v1, generate_series(1, 1000000000) AS g',
      'SELECT count(*) FROM key_verifications_v1; DELETE FROM key_verifications_v1',
      'SELECT count(*) FROM key_verifications_v1; SELECT * FROM keys',
      "SELECT * FROM key_verifications_v1 INTO OUTFILE '/tmp/x'",
      'WITH RECURSIVE r AS (SELECT 1 AS n UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r',
      'SELECT secret FROM key_verifications_v1',
      'SELECT `hash` FROM key_verifications_v1',
      'SELECT count(*) OVER () FROM key_verifications_v1',
      'SELECT 1',
      `SELECT count(*) FROM key_verifications_v1 WHERE key_id = '${'x'.repeat(17 * 1024)}'`,
      `SELECT ${Array.from({ length: 65 }, () => 'key_id').join(', ')} FROM key_verifications_v1`,
      `SELECT count(*) FROM key_verifications_v1 WHERE ${'('.repeat(3000)}1 = 1${')'.repeat(3000)}`,
    ])('refuses as an invalid query: %s', (query) => {
      expect(refusal(query)).toBe('invalid_analytics_query');
    });

    it.each([
      'SELECT pg_sleep(10) FROM key_verifications_v1',
      'SELECT pg_catalog.pg_sleep(10) FROM key_verifications_v1',
      "SELECT pg_read_file('/etc/passwd') FROM key_verifications_v1",
      "SELECT load_extension('/tmp/evil.so') FROM key_verifications_v1",
      "SELECT readfile('/etc/passwd') FROM key_verifications_v1",
      'SELECT sleep(10) FROM key_verifications_v1',
      'SELECT randomblob(1000000000) FROM key_verifications_v1',
      "SELECT current_setting('data_directory') FROM key_verifications_v1",
    ])('refuses a function that is not allowed: %s', (query) => {
      expect(refusal(query)).toBe('invalid_analytics_function');
    });

    it.each([
      "SELECT count(*) AS n FROM key_verifications_v1 WHERE workspace_id = 'ws_b'",
      "SELECT count(*) AS n FROM (SELECT * FROM key_verifications_v1 WHERE workspace_id = 'ws_b') AS s",
      "SELECT count(*) AS n FROM key_verifications_v1 a JOIN key_verifications_v1 b ON a.key_id = b.key_id WHERE b.workspace_id = 'ws_b'",
      "WITH x AS (SELECT * FROM key_verifications_v1 WHERE workspace_id <> 'ws_a') SELECT count(*) AS n FROM x",
      "SELECT count(*) AS n FROM key_verifications_v1 WHERE key_space_id = 'api_b'",
    ])("sees none of another workspace's rows: %s", async (query) => {
      expect(await rows(query)).toEqual([{ n: 0 }]);
    });

    it("answers only the caller's rows whatever the WHERE, UNION or comment says", async () => {
      expect(await rows("SELECT count(*) AS n FROM key_verifications_v1 WHERE workspace_id = 'ws_b' OR 1 = 1")).toEqual([{ n: 7 }]);
      expect(
        await rows('SELECT workspace_id FROM key_verifications_v1 UNION SELECT workspace_id FROM key_verifications_per_day_v1'),
      ).toEqual([{ workspace_id: 'ws_a' }]);
      expect(await rows("SELECT count(*) AS n FROM key_verifications_v1 -- WHERE workspace_id = 'ws_b'\n")).toEqual([{ n: 7 }]);
      expect(await rows('SELECT count(*) AS n FROM key_verifications_v1 /* ; DROP TABLE keys; */')).toEqual([{ n: 7 }]);
      expect(await rows("SELECT count(*) AS n FROM key_verifications_v1 WHERE key_id = 'key_1'' OR ''1''=''1'")).toEqual([{ n: 0 }]);
      const strings = await rows("SELECT concat(key_id, '\\'; SELECT hash FROM keys; --') AS s FROM key_verifications_v1 LIMIT 1");
      expect(JSON.stringify(strings)).not.toContain(SECRET);
    });

    it('refuses a lower time bound older than the retention, on each table by its own', () => {
      expect(refusal('SELECT count(*) FROM key_verifications_v1 WHERE time >= now() - INTERVAL 60 DAY')).toBe(
        'query_range_exceeds_retention',
      );
      expect(refusal('SELECT count(*) FROM key_verifications_v1 WHERE time BETWEEN 0 AND now()')).toBe('query_range_exceeds_retention');
      expect(refusal("SELECT count(*) FROM key_verifications_v1 WHERE '2020-01-01' <= time")).toBe('query_range_exceeds_retention');
      expect(refusal('SELECT count(*) FROM key_verifications_per_day_v1 WHERE time >= now() - INTERVAL 60 DAY')).toBe('accepted');
      expect(refusal('SELECT count(*) FROM key_verifications_per_month_v1 WHERE time >= 0')).toBe('accepted');
      expect(refusal('SELECT count(*) FROM key_verifications_v1 WHERE time >= now() - INTERVAL 30 DAY')).toBe('accepted');
    });

    it('never writes a user value into the SQL text', () => {
      const translated = translateAnalyticsQuery(
        request("SELECT count(*) AS n FROM key_verifications_v1 WHERE key_id = 'key_1\"; DROP TABLE keys; --' AND latency > 12345.5"),
      );
      expect(translated.statement.sql).not.toContain('DROP');
      expect(translated.statement.sql).not.toContain('12345');
      expect(translated.statement.parameters).toContain('key_1"; DROP TABLE keys; --');
      expect(translated.statement.parameters).toContain('ws_a');
    });

    if (engine === 'postgres') {
      it('a query that would run for long is stopped by the timeout', async () => {
        const tables = Array.from({ length: 9 }, (_, i) => `key_verifications_v1 AS t${i}`).join(', ');
        const translated = translateAnalyticsQuery(request(`SELECT count(*) AS n FROM ${tables}`));
        await expect(analytics.run(translated.statement, { timeoutMs: 100, maxRows: 10 })).rejects.toBeInstanceOf(AnalyticsLimitExceeded);
      });
    }
  });

  it("property: random allowed queries never return another workspace's rows", async () => {
    let seed = 14;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed % n;
    };
    const pick = <T>(items: readonly T[]): T => items[random(items.length)]!;
    let answered = 0;
    const tables = [
      'key_verifications_v1',
      'key_verifications_per_day_v1',
      'key_verifications_per_hour_v1',
      'key_verifications_per_month_v1',
    ];
    const predicates = [
      "workspace_id = 'ws_b'",
      "workspace_id <> 'ws_a'",
      '1 = 1',
      "key_id = 'key_1'",
      "key_space_id IN ('api_1', 'api_b')",
      "has(tags, 'path=/v1')",
      "outcome = 'VALID' OR workspace_id = 'ws_b'",
      'time >= now() - INTERVAL 1 DAY',
      "external_id LIKE 'user%'",
    ];
    const shapes = [
      (t: string, p: string) => `SELECT workspace_id, key_id FROM ${t} WHERE ${p}`,
      (t: string, p: string) => `SELECT * FROM (SELECT workspace_id, key_id FROM ${t} WHERE ${p}) AS s`,
      (t: string, p: string) => `WITH c AS (SELECT workspace_id, key_id FROM ${t} WHERE ${p}) SELECT workspace_id, key_id FROM c`,
      (t: string, p: string) =>
        `SELECT a.workspace_id, b.key_id FROM ${t} AS a JOIN key_verifications_v1 AS b ON a.key_id = b.key_id WHERE ${p.replaceAll('workspace_id', 'b.workspace_id').replaceAll('key_id', 'b.key_id').replaceAll('outcome', 'b.outcome').replaceAll('tags', 'b.tags').replaceAll('time', 'b.time').replaceAll('external_id', 'b.external_id').replaceAll('key_space_id', 'b.key_space_id').replaceAll('b.b.', 'b.')}`,
      (t: string, p: string) =>
        `SELECT workspace_id, key_id FROM ${t} WHERE ${p} UNION ALL SELECT workspace_id, key_id FROM key_verifications_v1`,
      (t: string, p: string) =>
        `SELECT workspace_id, key_id FROM key_verifications_v1 WHERE key_id IN (SELECT key_id FROM ${t} WHERE ${p}) OR workspace_id = 'ws_b'`,
    ];
    for (let i = 0; i < 60; i += 1) {
      const caller = pick(['ws_a', 'ws_b']);
      const query = pick(shapes)(pick(tables), pick(predicates));
      const answer = await rows(query, { workspaceId: caller, resourceIds: random(3) === 0 ? ['api_1'] : null });
      for (const row of answer) expect(row.workspace_id, query).toBe(caller);
      if (answer.length > 0) answered += 1;
    }
    const limitShapes = [
      (t: string, p: string) => `SELECT workspace_id, namespace_id FROM ${t} WHERE ${p}`,
      (t: string, p: string) =>
        `WITH c AS (SELECT * FROM ${t} WHERE ${p}) SELECT workspace_id, namespace_id FROM c UNION SELECT workspace_id, namespace_id FROM ratelimits_v1`,
      (t: string, p: string) =>
        `SELECT r.workspace_id, r.namespace_id FROM ratelimits_v1 AS r JOIN ${t} AS h ON r.namespace_id = h.namespace_id WHERE h.${p}`,
    ];
    const limitPredicates = ["workspace_id = 'ws_b'", "namespace_id IN ('rlns_1', 'rlns_b')", 'passed >= 0', "identifier <> ''"];
    for (let i = 0; i < 20; i += 1) {
      const caller = pick(['ws_a', 'ws_b']);
      const query = pick(limitShapes)(pick(['ratelimits_v1', 'ratelimits_per_hour_v1', 'ratelimits_per_day_v1']), pick(limitPredicates));
      const resourceIds = random(3) === 0 ? ['rlns_1'] : null;
      const answer = await rows(query, { source: 'ratelimits', workspaceId: caller, resourceIds });
      for (const row of answer) {
        expect(row.workspace_id, query).toBe(caller);
        if (resourceIds) expect(row.namespace_id, query).toBe('rlns_1');
      }
      if (answer.length > 0) answered += 1;
    }
    // Most queries find rows of their caller, so the checks above did check something.
    expect(answered).toBeGreaterThan(40);
  });
});
