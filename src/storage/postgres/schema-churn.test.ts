import pg from 'pg';
import { expect, it } from 'vitest';
import { freshPostgresSchema, POSTGRES_BASE_URL } from '../../../test/harness.js';
import { openSqlVaultStore } from '../../vault/sql-store.js';
import { openDatabase } from '../sql/dialect.js';
import { migrateToLatest } from '../sql/migrate.js';

/**
 * Another application (or another Keyward) creating and dropping schemas in the same PostgreSQL database while
 * Keyward migrates its own. Kysely's migrator looked for its bookkeeping tables by introspecting every schema of the
 * database with functions that look each schema up by name, so a schema dropped mid-query failed the migration with
 * "schema ... does not exist" (seen in CI as two test files ran at once). Keyward's migrations look in their own
 * schema only (storage/postgres/schema-introspection.ts).
 */
it('migrates the main and the vault store while other schemas of the database come and go', { timeout: 120_000 }, async () => {
  let churning = true;
  const churn = async () => {
    const client = new pg.Client({ connectionString: POSTGRES_BASE_URL });
    await client.connect();
    try {
      while (churning) {
        const schema = `kw_churn_${Math.random().toString(36).slice(2, 10)}`;
        await client.query(
          `CREATE SCHEMA "${schema}"; CREATE TABLE "${schema}".t (id serial PRIMARY KEY, a int, b text, c text, d text, e text)`,
        );
        await client.query(`DROP SCHEMA "${schema}" CASCADE`);
      }
    } finally {
      await client.end();
    }
  };
  const churners = [churn(), churn()];
  try {
    for (let i = 0; i < 4; i++) {
      const schema = await freshPostgresSchema();
      try {
        const { db, dialect } = openDatabase(schema.url);
        try {
          expect(await migrateToLatest(db, dialect)).toContain('0001_initial');
          expect(await migrateToLatest(db, dialect)).toEqual([]);
        } finally {
          await db.destroy();
        }
        await (await openSqlVaultStore(schema.url)).close();
      } finally {
        await schema.drop();
      }
    }
  } finally {
    churning = false;
    await Promise.all(churners);
  }
});
