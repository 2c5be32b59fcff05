import { sql } from 'kysely';
import { expect } from 'vitest';
import { itMigratesFromThePrevious } from '../../../../test/schema-migration-fixtures.js';

/**
 * A database migrated before 0014, with a key in it, gets the credit-alert columns; the key keeps its credits and reads
 * as "no base recorded, no threshold fired, no expiry alerted" (it alerts once it refills or its credits are set again).
 */
itMigratesFromThePrevious({
  migration: '0014_alerts',
  previous: '0013_key_lifetimes',
  title: '0014 adds the alert columns to a database migrated up to the one before',
  async seed(db) {
    await sql`INSERT INTO workspaces (id, name, enabled, created_at) VALUES ('ws_kept', 'kept', 1, 0)`.execute(db);
    await sql`INSERT INTO apis (id, workspace_id, name, created_at) VALUES ('api_kept', 'ws_kept', 'a', 0)`.execute(db);
    await sql`INSERT INTO keys (id, workspace_id, api_id, hash, start, created_at, remaining)
              VALUES ('key_kept', 'ws_kept', 'api_kept', 'h_key', 'abcd', 7, 40)`.execute(db);
  },
  async check(db) {
    const key = await sql<Record<string, unknown>>`SELECT remaining, credits_base, credits_alerted, expiry_alerted_for FROM keys`.execute(
      db,
    );
    expect(key.rows.map((r) => ({ ...r, remaining: Number(r.remaining), credits_alerted: Number(r.credits_alerted) }))).toEqual([
      { remaining: 40, credits_base: null, credits_alerted: 0, expiry_alerted_for: null },
    ]);
    await sql`INSERT INTO ratelimit_alerts (workspace_id, subject_id, identifier, last_fired_at) VALUES ('ws_kept', 'rlns_a', 'x', 1)`.execute(
      db,
    );
    // One row per (workspace, subject, identifier): the claim's upsert relies on it.
    await expect(
      sql`INSERT INTO ratelimit_alerts (workspace_id, subject_id, identifier, last_fired_at) VALUES ('ws_kept', 'rlns_a', 'x', 2)`.execute(
        db,
      ),
    ).rejects.toThrow();
  },
});
