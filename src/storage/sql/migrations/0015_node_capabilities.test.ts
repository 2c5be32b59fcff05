import { sql } from 'kysely';
import { expect } from 'vitest';
import { itMigratesFromThePrevious } from '../../../../test/schema-migration-fixtures.js';

/**
 * A registry row written before 0015, and one written after it by a node of an earlier version (which names only the
 * columns it knows), both read as advertising nothing.
 */
itMigratesFromThePrevious({
  migration: '0015_node_capabilities',
  previous: '0014_alerts',
  title: "0015 adds the nodes' capabilities, empty for rows written without them",
  async seed(db) {
    await sql`INSERT INTO nodes (id, name, hostname, version, engine, database_state, redis_state, started_at, last_seen_at)
              VALUES ('node_before', 'a', 'host-a', '0.9.0', 'postgres', 'ok', 'ok', 1, 2)`.execute(db);
  },
  async check(db) {
    // What an earlier version's heartbeat writes once the migration has run.
    await sql`INSERT INTO nodes (id, name, hostname, version, engine, database_state, redis_state, started_at, last_seen_at)
              VALUES ('node_after', 'b', 'host-b', '0.9.0', 'postgres', 'ok', 'ok', 3, 4)`.execute(db);
    const rows = await sql<Record<string, unknown>>`SELECT id, capabilities FROM nodes ORDER BY id`.execute(db);
    expect(rows.rows).toEqual([
      { id: 'node_after', capabilities: '' },
      { id: 'node_before', capabilities: '' },
    ]);
  },
});
