import pg from 'pg';
import { expect, it } from 'vitest';
import { migratedPostgresSchema } from '../../../../test/harness.js';
import { openDatabase } from '../dialect.js';
import { migrateToLatest } from '../migrate.js';

/**
 * A database migrated before 0011 gets the leak tables, the keys_hash index, and `apis.leak_policy`, which existing
 * APIs read as 'disable' (the default); their rows are otherwise untouched. The operations themselves are in
 * src/storage/suite/leaks.suite.ts, which both engines run on stores migrated from nothing.
 */
it('PostgreSQL: 0011 adds leak reports to a database migrated up to 0010, existing APIs disabling leaked keys', async () => {
  const schema = await migratedPostgresSchema('0010_api_key_format');
  const client = new pg.Client({ connectionString: schema.url });
  await client.connect();
  try {
    const tables = async () =>
      (
        await client.query<{ table_name: string }>(
          `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()
             AND table_name IN ('key_leaks', 'leak_report_digests') ORDER BY table_name`,
        )
      ).rows.map((r) => r.table_name);
    expect(await tables()).toEqual([]);
    await client.query(`INSERT INTO workspaces (id, name, enabled, created_at) VALUES ('ws_kept', 'kept', 1, 0)`);
    await client.query(
      `INSERT INTO apis (id, workspace_id, name, delete_protection, store_encrypted_keys, created_at) VALUES ('api_kept', 'ws_kept', 'kept', 1, 0, 0)`,
    );
    const migrating = openDatabase(schema.url);
    try {
      expect(await migrateToLatest(migrating.db, migrating.dialect, '0011_key_leaks')).toEqual(['0011_key_leaks']);
    } finally {
      await migrating.db.destroy();
    }
    expect(await tables()).toEqual(['key_leaks', 'leak_report_digests']);
    expect((await client.query(`SELECT name, delete_protection, leak_policy FROM apis WHERE id = 'api_kept'`)).rows).toEqual([
      { name: 'kept', delete_protection: 1, leak_policy: 'disable' },
    ]);
    const indexes = await client.query<{ indexname: string }>(
      `SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = 'keys' AND indexname = 'keys_hash'`,
    );
    expect(indexes.rows).toEqual([{ indexname: 'keys_hash' }]);
  } finally {
    await client.end();
    await schema.drop();
  }
});
