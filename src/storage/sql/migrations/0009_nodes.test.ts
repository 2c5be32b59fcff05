import pg from 'pg';
import { expect, it } from 'vitest';
import { migratedPostgresSchema } from '../../../../test/harness.js';
import { openDatabase } from '../dialect.js';
import { migrateToLatest } from '../migrate.js';

/**
 * A database migrated before 0009 gets the node registry's table and nothing else changes (the registry itself is
 * in src/storage/suite/nodes.suite.ts, which both engines run on stores migrated from nothing).
 */
it('PostgreSQL: 0009 adds the nodes table to a database migrated up to 0008', async () => {
  const schema = await migratedPostgresSchema('0008_analytics_rollup_indexes');
  const client = new pg.Client({ connectionString: schema.url });
  await client.connect();
  try {
    const columns = async () =>
      (
        await client.query<{ column_name: string }>(
          `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'nodes' ORDER BY column_name`,
        )
      ).rows.map((r) => r.column_name);
    expect(await columns()).toEqual([]);
    // A database as 0008 left it, with a workspace in it, migrated forward.
    await client.query(`INSERT INTO workspaces (id, name, enabled, created_at) VALUES ('ws_kept', 'kept', 1, 0)`);
    const migrating = openDatabase(schema.url);
    try {
      expect(await migrateToLatest(migrating.db, migrating.dialect, '0009_nodes')).toEqual(['0009_nodes']);
    } finally {
      await migrating.db.destroy();
    }
    expect(await columns()).toEqual(
      ['database_state', 'engine', 'hostname', 'id', 'last_seen_at', 'name', 'redis_state', 'started_at', 'version'].sort(),
    );
    expect((await client.query(`SELECT name FROM workspaces WHERE id = 'ws_kept'`)).rows).toEqual([{ name: 'kept' }]);
  } finally {
    await client.end();
    await schema.drop();
  }
});
