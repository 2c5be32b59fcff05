import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { migratedPostgresSchema } from '../../../test/harness.js';
import { creditSql } from '../sql/credits.js';
import { listKeyPage } from '../sql/key-list.js';
import { keySql } from '../sql/keys.js';
import { openPostgres } from './open.js';

/** The statements this connection has prepared under a name, by their text. */
const preparedOn = async (db: Parameters<typeof keySql>[0]) =>
  (await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(db)).rows;

describe('statements of the verify path are prepared once per PostgreSQL connection (named-statements.ts)', () => {
  it('the key lookups and the credit spend are sent under a name; other statements are not', async () => {
    const { url, drop } = await migratedPostgresSchema();
    const { db, dialect } = openPostgres(url);
    try {
      await db.connection().execute(async (connection) => {
        const keys = keySql(connection, dialect);
        const credits = creditSql(connection, dialect);
        expect(await preparedOn(connection)).toEqual([]);
        for (let i = 0; i < 3; i++) {
          expect(await keys.findKeyByHash('ws_none', `hash_${i}`)).toBeUndefined();
          expect(await keys.findKey('ws_none', `key_${i}`)).toBeUndefined();
          expect((await credits.spendCredits(`key_${i}`, 1, { now: 0, updatedAt: null })).charged).toBe(false);
        }
        const prepared = await preparedOn(connection);
        // One each, however often they ran: bound again, not prepared again.
        expect(prepared).toHaveLength(3);
        expect(prepared.filter((p) => p.statement.includes('k.hash ='))).toHaveLength(1);
        expect(prepared.filter((p) => p.statement.includes('k.id ='))).toHaveLength(1);
        expect(prepared.filter((p) => p.statement.startsWith('UPDATE keys SET remaining'))).toHaveLength(1);
        expect(prepared.every((p) => p.name.startsWith('keyward_'))).toBe(true);
      });
    } finally {
      await db.destroy();
      await drop();
    }
  });

  it("apis.listKeys's page and set query are sent under names: planned once per connection, not on every page", async () => {
    // Planning the page took about as long as running it, on every page (docs/decisions/0033).
    const { url, drop } = await migratedPostgresSchema();
    const { db, dialect } = openPostgres(url);
    try {
      await db.connection().execute(async (connection) => {
        for (const cursor of ['key_a', 'key_b', 'key_c']) {
          expect(await listKeyPage(connection, dialect, { workspaceId: 'ws_none', apiId: 'api_none', cursor, limit: 101 })).toEqual([]);
        }
        // The set query runs only for a page with keys; this one has none.
        const prepared = await preparedOn(connection);
        expect(prepared).toHaveLength(1);
        expect(prepared[0]!.statement).toContain('ORDER BY k.id');
      });
    } finally {
      await db.destroy();
      await drop();
    }
  });
});
