import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, expect, it } from 'vitest';
import { migratedPostgresSchema } from '../../../../test/harness.js';
import { openAnalyticsConnection, prepareAnalyticsFile } from '../../../analytics/sqlite-file.js';
import { translateAnalyticsQuery } from '../../../analytics/query/translate.js';
import { openDatabase } from '../dialect.js';
import { migrateToLatest } from '../migrate.js';
import { ANALYTICS_TABLES_0006 } from './0006_analytics.js';

/**
 * The verification rollups' index for one API over time, on both engines: PostgreSQL gets it from migration 0008 on
 * a database migrated before it, the SQLite analytics file from its schema step 1 -> 2 (src/analytics/sqlite-file.ts);
 * and the per-day query of one API (issue 14's benchmark) uses it on SQLite.
 */

const NAMES = ['minute', 'hour', 'day', 'month'].map((grain) => `analytics_verifications_per_${grain}_api_time`);
const dir = mkdtempSync(join(tmpdir(), 'keyward-0008-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('PostgreSQL: 0008 adds the index to a database migrated up to 0007', async () => {
  const schema = await migratedPostgresSchema('0007_operators');
  const client = new pg.Client({ connectionString: schema.url });
  await client.connect();
  try {
    const indexes = async () =>
      (
        await client.query<{ indexname: string }>(
          `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND indexname LIKE '%_api_time' ORDER BY indexname`,
        )
      ).rows.map((r) => r.indexname);
    expect(await indexes()).toEqual([]);
    // A database as 0007 left it, with a rollup row, migrated forward.
    await client.query(`INSERT INTO analytics_verifications_per_day VALUES (0, 'ws', 'api', '', '', 'key', 'VALID', '[]', 1, 0, 1, 1)`);
    const migrating = openDatabase(schema.url);
    try {
      expect(await migrateToLatest(migrating.db, migrating.dialect, '0008_analytics_rollup_indexes')).toEqual([
        '0008_analytics_rollup_indexes',
      ]);
    } finally {
      await migrating.db.destroy();
    }
    expect(await indexes()).toEqual([...NAMES].sort());
    expect((await client.query('SELECT count(*)::int AS n FROM analytics_verifications_per_day')).rows[0].n).toBe(1);
  } finally {
    await client.end();
    await schema.drop();
  }
});

it('SQLite: a version 1 analytics file gets the index, and the current version, when opened', () => {
  const file = join(dir, 'v1.sqlite.analytics');
  const v1 = new Database(file);
  // What version 1 made: 0006's statements are the same DDL in PostgreSQL's types, which SQLite accepts.
  for (const statement of ANALYTICS_TABLES_0006) v1.exec(statement);
  v1.exec(`INSERT INTO analytics_verifications_per_day VALUES (0, 'ws', 'api', '', '', 'key', 'VALID', '[]', 1, 0, 1, 1)`);
  v1.pragma('user_version = 1');
  v1.close();

  prepareAnalyticsFile(file);
  const db = openAnalyticsConnection(file, { readonly: true });
  try {
    expect(db.pragma('user_version', { simple: true })).toBe(3);
    const names = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE '%_api_time' ORDER BY name`).pluck().all();
    expect(names).toEqual([...NAMES].sort());
    expect(db.prepare('SELECT count(*) FROM analytics_verifications_per_day').pluck().get()).toBe(1);

    const { statement } = translateAnalyticsQuery({
      query: `SELECT time, sum(count) AS total FROM key_verifications_per_day_v1 WHERE key_space_id = 'api' AND time >= now() - toIntervalDay(30) GROUP BY time ORDER BY time`,
      source: 'verifications',
      workspaceId: 'ws',
      resourceIds: null,
      now: 40 * 86_400_000,
      retention: { raw: 0, minute: 0, hour: 0, day: 0, month: 0 },
      maxRows: 100,
      engine: 'sqlite',
    });
    const plan = db
      .prepare(`EXPLAIN QUERY PLAN ${statement.sql}`)
      .all(...statement.parameters)
      .map((row) => (row as { detail: string }).detail)
      .join('\n');
    expect(plan).toContain('analytics_verifications_per_day_api_time');
  } finally {
    db.close();
  }
});
