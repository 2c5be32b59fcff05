import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { OpenedDatabase, SqlDialect } from '../sql/dialect.js';
import type { Tables } from '../sql/tables.js';
import { DatabaseHealth, guardedPool } from './guarded-pool.js';
import { NamedStatements } from './named-statements.js';

const postgresDialect = (statements: NamedStatements, arrayRowTexts: Set<string>): SqlDialect => ({
  engine: 'postgres',
  jsonArrayAgg: (expr) => `json_agg(${expr})`,
  jsonArray: (exprs) => `json_build_array(${exprs.join(', ')})`,
  jsonObject: (fields) =>
    `json_build_object(${Object.entries(fields)
      .map(([k, v]) => `'${k}', ${v}`)
      .join(', ')})`,
  oneOf: (column, values) => sql<boolean>`${sql.ref(column)} = ANY(CAST(${values} AS text[]))`,
  isUniqueViolation: (error) => typeof error === 'object' && error !== null && (error as { code?: unknown }).code === '23505',
  currentSchema: async (db) => (await sql<{ schema: string }>`SELECT current_schema() AS schema`.execute(db)).rows[0]?.schema,
  withMigrationLock: (work) => work(),
  keepPrepared: (text) => statements.keep(text),
  readRowsAsArrays: (text) => {
    arrayRowTexts.add(text);
  },
});

/** How long the server's connections may take (KEYWARD_DATABASE_*_TIMEOUT_MS), and who hears about lost ones. */
export interface PostgresOptions {
  /** To open a connection, and to wait for a free one when all are busy. */
  connectTimeoutMs: number;
  /** For one statement: PostgreSQL cancels it (statement_timeout), and the client gives up a little later. */
  queryTimeoutMs: number;
  /** Told of connections lost while idle (a restart, a failover, pg_terminate_backend); rate-limited by the caller. */
  failures?: { report(error: unknown): void };
  /** Told when PostgreSQL stops or starts answering. */
  onHealthChange?: (up: boolean, cause?: unknown) => void;
}

/**
 * The client's own timeout trails the server's statement_timeout by this much, so a slow statement is cancelled by
 * the server (its connection stays usable) and only a network that stopped answering is given up on by the client
 * (its connection destroyed, storage/postgres/guarded-pool.ts).
 */
const CLIENT_TIMEOUT_MARGIN_MS = 500;

/** Connections are identified as Keyward's in pg_stat_activity (and by test/faults, to end them). */
export const APPLICATION_NAME = 'keyward';

/**
 * `options` absent: no timeouts (migrations, which may rewrite large tables, and one-off commands). The pool always
 * has an `error` listener: without one, a connection that PostgreSQL ends while it sits idle in the pool (a restart,
 * a failover, a proxy, pg_terminate_backend) is an unhandled 'error' event, and the process exits.
 */
export function openPostgres(url: string, options?: PostgresOptions): OpenedDatabase & { health: DatabaseHealth } {
  const pool = new pg.Pool({
    connectionString: url,
    max: 20,
    application_name: APPLICATION_NAME,
    // Statements given before the previous one is answered go out at once, each with its own Sync: a work of a commit
    // group sends its savepoint and its first statement in one round trip (storage/postgres/guarded-pool.ts,
    // GROUPED_SAVEPOINT). A caller that waits for each answer, as Kysely does, sees no difference.
    pipeline: true,
    // TCP keepalive finds an idle connection whose peer vanished (a failover, a dropped NAT entry) before it is reused.
    keepAlive: true,
    keepAliveInitialDelayMillis: 10_000,
    ...(options && {
      connectionTimeoutMillis: options.connectTimeoutMs,
      statement_timeout: options.queryTimeoutMs,
      query_timeout: options.queryTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
    }),
    // Times and credits are int8; they fit a JS number (< 2^53), so parse them as numbers.
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format as 'text')) as never,
    },
  });
  const health = new DatabaseHealth(options?.onHealthChange);
  // pg-pool has already dropped the client; the next checkout opens a new connection.
  pool.on('error', (error) => options?.failures?.report(error));
  const statements = new NamedStatements();
  const arrayRowTexts = new Set<string>();
  const db = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: guardedPool(pool, health, statements, arrayRowTexts) }) });
  return { db, dialect: postgresDialect(statements, arrayRowTexts), health };
}
