import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../../../test/harness.js';
import { openDatabase } from './dialect.js';
import { executeFixed } from './shared.js';

describe.each(['sqlite', 'postgres'] as const)('executeFixed (%s)', (engine) => {
  it("runs each call with that call's values, refuses a build that binds other values than the call's, and a later call of another shape", async () => {
    const database = await freshDatabase(engine);
    const opened = openDatabase(database.url);
    const { db, dialect } = opened;
    try {
      const echo = (value: string) =>
        executeFixed<{ v: string }>(db, dialect, 'test.echo', () => sql<{ v: string }>`SELECT CAST(${value} AS TEXT) AS v`.compile(db), [
          value,
        ]);
      expect((await echo('one')).rows).toEqual([{ v: 'one' }]);
      // Built at the first call, not frozen with its value.
      expect((await echo('two')).rows).toEqual([{ v: 'two' }]);
      // The same name with another number of values: refused, not bound to the first text.
      expect(() =>
        executeFixed(db, dialect, 'test.echo', () => sql`SELECT CAST(${'a'} AS TEXT) AS v, ${'b'} AS w`.compile(db), ['a', 'b']),
      ).toThrow('test.echo: its statement binds 1 values, given 2');
      expect(() =>
        executeFixed(db, dialect, 'test.two values', () => sql`SELECT CAST(${'x'} AS TEXT) AS v, CAST(${'y'} AS TEXT) AS w`.compile(db), [
          'x',
        ]),
      ).toThrow('test.two values: the built statement binds other parameters than the ones given');
      expect(() => executeFixed(db, dialect, 'test.other value', () => sql`SELECT CAST(${'x'} AS TEXT) AS v`.compile(db), ['y'])).toThrow(
        'test.other value: the built statement binds other parameters than the ones given',
      );
    } finally {
      await db.destroy();
      await database.drop();
    }
  });
});
