import pg from 'pg';
import { expect, it } from 'vitest';
import { migratedPostgresSchema } from '../../../../test/harness.js';
import { openDatabase } from '../dialect.js';
import { migrateToLatest } from '../migrate.js';

const tableColumns = async (client: pg.Client, table: string) =>
  (
    await client.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY column_name`,
      [table],
    )
  ).rows.map((r) => r.column_name);

/**
 * A database migrated before 0012 gets the webhook tables and nothing else changes (their behaviour is in
 * src/storage/suite/webhooks.suite.ts, which both engines run on stores migrated from nothing).
 */
it('PostgreSQL: 0012 adds the webhook tables to a database migrated up to 0011', async () => {
  const schema = await migratedPostgresSchema('0011_key_leaks');
  const client = new pg.Client({ connectionString: schema.url });
  await client.connect();
  try {
    expect(await tableColumns(client, 'webhook_endpoints')).toEqual([]);
    await client.query(`INSERT INTO workspaces (id, name, enabled, created_at) VALUES ('ws_kept', 'kept', 1, 0)`);
    const migrating = openDatabase(schema.url);
    try {
      expect(await migrateToLatest(migrating.db, migrating.dialect, '0012_webhooks')).toEqual(['0012_webhooks']);
    } finally {
      await migrating.db.destroy();
    }
    expect(await tableColumns(client, 'webhook_endpoints')).toEqual(
      ['created_at', 'description', 'enabled', 'event_types', 'id', 'secret', 'updated_at', 'url', 'workspace_id'].sort(),
    );
    expect(await tableColumns(client, 'webhook_deliveries')).toEqual(
      [
        'attempts',
        'created_at',
        'delivered_at',
        'endpoint_id',
        'event_type',
        'give_up_at',
        'id',
        'last_attempt_at',
        'last_duration_ms',
        'last_error',
        'last_status_code',
        'next_attempt_at',
        'payload',
        'status',
        'workspace_id',
      ].sort(),
    );
    // An endpoint must belong to a workspace that exists.
    await expect(
      client.query(
        `INSERT INTO webhook_endpoints (id, workspace_id, url, secret, event_types, enabled, created_at) VALUES ('whep_x', 'ws_none', 'https://x', 's', '[]', 1, 0)`,
      ),
    ).rejects.toThrow(/foreign key/);
    expect((await client.query(`SELECT name FROM workspaces WHERE id = 'ws_kept'`)).rows).toEqual([{ name: 'kept' }]);
  } finally {
    await client.end();
    await schema.drop();
  }
});
