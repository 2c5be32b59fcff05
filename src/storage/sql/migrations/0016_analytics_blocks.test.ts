import { sql } from 'kysely';
import { expect } from 'vitest';
import { itMigratesFromThePrevious } from '../../../../test/schema-migration-fixtures.js';
import { ANALYTICS_TABLES } from '../../../analytics/schema.js';

const at = Date.UTC(2026, 4, 1);

// Two minutes of key_1, one event of key_2 in another workspace: three blocks. Values JSON and PostgreSQL's text
// must carry through unchanged: quotes, a backslash, an emoji, the largest exact integer, a double that needs 17 digits.
const VERIFICATIONS = [
  ['r1', at, 'ws_1', 'api_1', 'id_1', 'ext "1"', 'key_1', 'n', 'VALID', '["a \\"b\\""]', 2 ** 53 - 1, 1.5],
  ['r2', at + 59_999, 'ws_1', 'api_1', 'id_1', 'ext "1"', 'key_1', 'n', 'VALID', '[]', 0, 2],
  ['r3', at + 60_000, 'ws_1', 'api_1', 'id_1', 'ext "1"', 'key_1', 'n', 'EXPIRED', '["😀"]', 0, 0.1 + 0.2],
  ['r4 \\', at, 'ws_2', 'api_9', '', '', 'key_2', 'n', 'VALID', '[]', 0, 3],
] as const;
// The raw table's columns in schema order, as 0006 made them and the view keeps them.
const COLUMNS = Object.keys(ANALYTICS_TABLES.find((table) => table.physicalName === 'analytics_verifications')!.columns);

itMigratesFromThePrevious({
  migration: '0016_analytics_blocks',
  previous: '0015_node_capabilities',
  title: '0016 moves PostgreSQL raw analytics rows into blocks, read back the same through views of the old names',
  async seed(db, engine) {
    if (engine !== 'postgres') return;
    for (const row of VERIFICATIONS) {
      await sql`INSERT INTO analytics_verifications (request_id, time, workspace_id, key_space_id, identity_id, external_id, key_id, region, outcome, tags, spent_credits, latency)
                VALUES (${sql.join(row.map((value) => sql`${value}`))})`.execute(db);
    }
    await sql`INSERT INTO analytics_ratelimits VALUES ('q1', ${at}, 'ws_1', 'ns_1', 'user', 1, 0.5, '', 'n')`.execute(db);
  },
  async check(db, engine) {
    // SQLite's analytics live in their own file (src/analytics/sqlite-file.ts, schema 3): nothing happens here.
    if (engine !== 'postgres') return;
    const rows = await sql<Record<string, unknown>>`SELECT * FROM analytics_verifications ORDER BY request_id`.execute(db);
    expect(rows.rows.map((row) => ({ ...row, time: Number(row.time), spent_credits: Number(row.spent_credits) }))).toEqual(
      VERIFICATIONS.map((row) => Object.fromEntries(COLUMNS.map((column, i) => [column, row[i]]))),
    );
    const blocks = await sql<{ n: number }>`SELECT count(*)::int AS n FROM analytics_verification_blocks`.execute(db);
    expect(blocks.rows).toEqual([{ n: 3 }]);
    const ratelimits = await sql`SELECT request_id, passed::int AS passed, latency FROM analytics_ratelimits`.execute(db);
    expect(ratelimits.rows).toEqual([{ request_id: 'q1', passed: 1, latency: 0.5 }]);
    const kinds = await sql`SELECT relname, relkind FROM pg_class WHERE relname IN ('analytics_verifications', 'analytics_ratelimits')
                            AND relnamespace = current_schema()::regnamespace ORDER BY relname`.execute(db);
    expect(kinds.rows).toEqual([
      { relname: 'analytics_ratelimits', relkind: 'v' },
      { relname: 'analytics_verifications', relkind: 'v' },
    ]);
  },
});
