import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../../../test/harness.js';
import { openDatabase } from './dialect.js';
import { executeCompiledOnce } from './shared.js';

describe.each(['sqlite', 'postgres'] as const)('executeCompiledOnce (%s)', (engine) => {
  it("runs each call with that call's values, per database, and refuses values that do not fit the placeholders", async () => {
    const first = await freshDatabase(engine);
    const second = await freshDatabase(engine);
    const a = openDatabase(first.url);
    const b = openDatabase(second.url);
    try {
      const echo = (db: typeof a, value: string) =>
        executeCompiledOnce<{ v: string }>(db.db, db.dialect, 'echo', () => sql<{ v: string }>`SELECT CAST(${value} AS TEXT) AS v`, [
          value,
        ]);
      expect((await echo(a, 'one')).rows).toEqual([{ v: 'one' }]);
      // Compiled at the first call, not frozen with its value.
      expect((await echo(a, 'two')).rows).toEqual([{ v: 'two' }]);
      // Another database compiles its own: a name is not shared between them.
      const other = await executeCompiledOnce<{ w: string }>(
        b.db,
        b.dialect,
        'echo',
        () => sql<{ w: string }>`SELECT CAST(${'x'} AS TEXT) AS w`,
        ['three'],
      );
      expect(other.rows).toEqual([{ w: 'three' }]);
      expect(() =>
        executeCompiledOnce(a.db, a.dialect, 'two values', () => sql`SELECT CAST(${'x'} AS TEXT) AS v, CAST(${'y'} AS TEXT) AS w`, ['x']),
      ).toThrow('statement two values has 2 placeholders, called with 1 values');
    } finally {
      await a.db.destroy();
      await b.db.destroy();
      await first.drop();
      await second.drop();
    }
  });
});
