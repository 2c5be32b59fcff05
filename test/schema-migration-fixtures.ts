import type { Kysely } from 'kysely';
import { expect, it } from 'vitest';
import { openDatabase } from '../src/storage/sql/dialect.js';
import { migrateToLatest } from '../src/storage/sql/migrate.js';
import { type EngineName, freshDatabase } from './harness.js';

/**
 * The shape of a schema-migration test (src/storage/sql/migrations/*.test.ts): a database migrated up to the migration
 * before, rows inserted as that schema had them, the migration applied alone, the rows read back. Each engine gets
 * its own fresh database. (test/migration-fixtures.ts is about importing keys, keys.migrateKeys, not about the schema.)
 */
export interface MigrationStep {
  /** The migration under test, as migrate.ts names it (`0014_alerts`). */
  migration: string;
  /** The one before it: where the database is left before `seed`. */
  previous: string;
  /** What the test checks, after "SQLite: " or "PostgreSQL: ". */
  title: string;
  /** Rows as the previous schema holds them (`any`: the schema before a migration is no version of Tables). */
  seed(db: Kysely<any>, engine: EngineName): Promise<void>;
  /** Reads the rows back after the migration. */
  check(db: Kysely<any>, engine: EngineName): Promise<void>;
}

/** Registers one test per engine: migrate to `previous`, seed, apply exactly `migration`, check. */
export function itMigratesFromThePrevious(step: MigrationStep): void {
  for (const [engine, name] of [
    ['sqlite', 'SQLite'],
    ['postgres', 'PostgreSQL'],
  ] as const) {
    it(`${name}: ${step.title}`, async () => {
      const database = await freshDatabase(engine);
      const { db, dialect } = openDatabase(database.url);
      try {
        await migrateToLatest(db, dialect, step.previous);
        await step.seed(db, engine);
        expect(await migrateToLatest(db, dialect, step.migration)).toEqual([step.migration]);
        await step.check(db, engine);
      } finally {
        await db.destroy();
        await database.drop();
      }
    });
  }
}
