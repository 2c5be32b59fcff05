import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../../../test/harness.js';
import { openDatabase } from './dialect.js';
import { executeForArrays } from './shared.js';

/**
 * dialect.ts, readRowsAsArrays: the rows of a registered text come back as arrays of their values in select order
 * (key-list.ts reads a page of keys so), on both engines, inside a transaction too; every other text's rows stay
 * objects.
 */
describe.each(['sqlite', 'postgres'] as const)('rows read as arrays on %s', (engine) => {
  it('a registered text answers arrays in select order; the same text before it was registered and others answer objects', async () => {
    const { url, drop } = await freshDatabase(engine);
    const { db, dialect } = openDatabase(url);
    try {
      const pair = (n: number) => sql`SELECT CAST(${String(n)} AS TEXT) AS b, ${n} + 1 AS a, NULL AS c`;
      expect((await pair(1).execute(db)).rows).toEqual([{ b: '1', a: 2, c: null }]);
      expect(await executeForArrays(db, dialect, pair(2))).toEqual([['2', 3, null]]);
      // The same text with other values, and inside a transaction (SQLite: the one connection; PostgreSQL: a pooled one).
      expect(await db.transaction().execute((tx) => executeForArrays(tx, dialect, pair(5)))).toEqual([['5', 6, null]]);
      expect((await pair(7).execute(db)).rows).toEqual([['7', 8, null]]);
      const other = sql`SELECT CAST(${'x'} AS TEXT) AS b, 1 AS a`;
      expect((await other.execute(db)).rows).toEqual([{ b: 'x', a: 1 }]);
    } finally {
      await db.destroy();
      await drop();
    }
  });
});
