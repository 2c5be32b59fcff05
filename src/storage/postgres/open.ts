import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { OpenedDatabase, SqlDialect } from '../sql/dialect.js';
import type { Tables } from '../sql/tables.js';

const postgresDialect: SqlDialect = {
  engine: 'postgres',
  jsonArrayAgg: (expr) => `json_agg(${expr})`,
  jsonObject: (fields) =>
    `json_build_object(${Object.entries(fields)
      .map(([k, v]) => `'${k}', ${v}`)
      .join(', ')})`,
  isUniqueViolation: (error) => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505',
  currentSchema: async (db) => (await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db)).rows[0]?.schema,
  withMigrationLock: (work) => work(),
};

export function openPostgres(url: string): OpenedDatabase {
  const pool = new pg.Pool({
    connectionString: url,
    max: 20,
    // Times and credits are int8; they fit a JS number (< 2^53), so parse them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as never,
    },
  });
  return { db: new Kysely<Tables>({ dialect: new PostgresDialect({ pool }) }), dialect: postgresDialect };
}
