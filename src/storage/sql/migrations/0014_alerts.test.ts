import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, expect, it } from 'vitest';
import { migratedPostgresSchema } from '../../../../test/harness.js';
import { openDatabase } from '../dialect.js';
import { migrateToLatest } from '../migrate.js';

/**
 * A database migrated before 0014, with a key in it, gets the credit-alert columns; the key keeps its credits and reads
 * as "no base recorded, no threshold fired, no expiry alerted" (it alerts once it refills or its credits are set again).
 */

const PREVIOUS = '0013_key_lifetimes';
const dir = mkdtempSync(join(tmpdir(), 'keyward-0014-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function migrateAndCheck(url: string): Promise<void> {
  const opened = openDatabase(url);
  try {
    const db = opened.db;
    await migrateToLatest(db, opened.dialect, PREVIOUS);
    await sql`INSERT INTO workspaces (id, name, enabled, created_at) VALUES ('ws_kept', 'kept', 1, 0)`.execute(db);
    await sql`INSERT INTO apis (id, workspace_id, name, created_at) VALUES ('api_kept', 'ws_kept', 'a', 0)`.execute(db);
    await sql`INSERT INTO keys (id, workspace_id, api_id, hash, start, created_at, remaining)
              VALUES ('key_kept', 'ws_kept', 'api_kept', 'h_key', 'abcd', 7, 40)`.execute(db);
    expect(await migrateToLatest(db, opened.dialect, '0014_alerts')).toEqual(['0014_alerts']);
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
  } finally {
    await opened.db.destroy();
  }
}

it('SQLite: 0014 adds the alert columns to a database migrated up to the one before', async () => {
  await migrateAndCheck(`sqlite:${join(dir, 'main.db')}`);
});

it('PostgreSQL: 0014 adds the alert columns to a database migrated up to the one before', async () => {
  const schema = await migratedPostgresSchema(PREVIOUS);
  try {
    await migrateAndCheck(schema.url);
  } finally {
    await schema.drop();
  }
});
