import { sql } from 'kysely';
import { expect } from 'vitest';
import { itMigratesFromThePrevious } from '../../../../test/schema-migration-fixtures.js';

/**
 * A database migrated before 0013, with a root key and a key in it, gets the new columns; the rows keep their values
 * and read as "no environment, not retiring, not one-time, no sliding expiry" (what they were).
 */
itMigratesFromThePrevious({
  migration: '0013_key_lifetimes',
  previous: '0012_webhooks',
  title: '0013 adds the lifetime columns to a database migrated up to the one before',
  async seed(db) {
    await sql`INSERT INTO workspaces (id, name, enabled, created_at) VALUES ('ws_kept', 'kept', 1, 0)`.execute(db);
    await sql`INSERT INTO root_keys (id, workspace_id, name, hash, start, permissions, enabled, created_at)
              VALUES ('rk_kept', 'ws_kept', 'old', 'h_root', 'kw_root_abcd', '[]', 1, 5)`.execute(db);
    await sql`INSERT INTO apis (id, workspace_id, name, created_at) VALUES ('api_kept', 'ws_kept', 'a', 0)`.execute(db);
    await sql`INSERT INTO keys (id, workspace_id, api_id, hash, start, created_at, expires)
              VALUES ('key_kept', 'ws_kept', 'api_kept', 'h_key', 'abcd', 7, 99)`.execute(db);
  },
  async check(db) {
    const rootKey = await sql<Record<string, unknown>>`SELECT name, environment, retires_at FROM root_keys`.execute(db);
    expect(rootKey.rows).toEqual([{ name: 'old', environment: null, retires_at: null }]);
    const key = await sql<Record<string, unknown>>`SELECT one_time, consumed_at, sliding_expiration, expires FROM keys`.execute(db);
    expect(key.rows.map((r) => ({ ...r, expires: Number(r.expires), one_time: Number(r.one_time) }))).toEqual([
      { one_time: 0, consumed_at: null, sliding_expiration: null, expires: 99 },
    ]);
  },
});
