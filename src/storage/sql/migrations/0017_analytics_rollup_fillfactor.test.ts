import { sql } from 'kysely';
import { expect } from 'vitest';
import { itMigratesFromThePrevious } from '../../../../test/schema-migration-fixtures.js';

itMigratesFromThePrevious({
  migration: '0017_analytics_rollup_fillfactor',
  previous: '0016_analytics_blocks',
  title: "0017 leaves room on PostgreSQL's analytics rollup pages for updates in place; rows already there stay",
  async seed(db, engine) {
    if (engine !== 'postgres') return;
    await sql`INSERT INTO analytics_verifications_per_day VALUES (0, 'ws_1', 'api_1', '', '', 'key_1', 'VALID', '[]', 3, 0, 1.5, 1)`.execute(
      db,
    );
  },
  async check(db, engine) {
    if (engine !== 'postgres') return;
    const options = await sql<{ relname: string; reloptions: string[] | null }>`
      SELECT relname, reloptions FROM pg_class WHERE relname LIKE 'analytics\_%\_per\_%' AND relkind = 'r'
        AND relnamespace = current_schema()::regnamespace ORDER BY relname`.execute(db);
    expect(options.rows).toHaveLength(8);
    for (const row of options.rows) expect(row.reloptions, row.relname).toEqual(['fillfactor=70']);
    const kept = await sql`SELECT key_id, count FROM analytics_verifications_per_day`.execute(db);
    expect(kept.rows).toEqual([{ key_id: 'key_1', count: 3 }]);
  },
});
