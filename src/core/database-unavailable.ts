/**
 * Which failures mean "the database cannot answer now" rather than a bug: answered 503 `database_unavailable`
 * (docs/errors.md) instead of a 500, by both request paths (http/app.ts, http/verify-lane.ts), and counted in the
 * database's rate-limited warning rather than logged once per request.
 */

/** Socket errors of a connection that could not be made or was lost. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN']);

/**
 * PostgreSQL SQLSTATEs: class 08 (connection exception); 57P01-57P03 (the server is shutting down, was killed by
 * pg_terminate_backend, or is starting); 57014 (statement_timeout cancelled the statement); 53300 (too many connections).
 */
const UNAVAILABLE_STATES = /^(08...|57P0[123]|57014|53300)$/;

/**
 * What node-postgres (pg, pg-pool) and Kysely say, without a code, when a connection times out or is lost, and
 * storage/postgres/guarded-pool.ts when it refuses a connection already found broken.
 */
const UNAVAILABLE_MESSAGES =
  /^(Query read timeout|timeout exceeded when trying to connect|Connection terminated|Client has encountered a connection error|Postgres connection has been discarded|database connection lost)/;

/** The failure's own code when it is one of the database being unavailable (or a SQLite writer holding the lock), else undefined. */
export function databaseUnavailableCause(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, message, errors } = error as { code?: unknown; message?: unknown; errors?: unknown };
  if (typeof code === 'string') {
    if (NETWORK_CODES.has(code) || UNAVAILABLE_STATES.test(code)) return code;
    // better-sqlite3: a writer held the lock past busy_timeout (sqlite/open.ts).
    if (code.startsWith('SQLITE_BUSY')) return code;
  }
  if (typeof message === 'string' && UNAVAILABLE_MESSAGES.test(message)) return message;
  // A host with several addresses fails with one error per address (AggregateError).
  if (Array.isArray(errors)) return errors.map(databaseUnavailableCause).find((cause) => cause !== undefined);
  return undefined;
}

/** What a 503 `database_unavailable` tells the client: nothing of the cause, which goes to the log. */
export const DATABASE_UNAVAILABLE_DETAIL = 'The database could not be reached or did not answer in time. Retry with backoff.';
