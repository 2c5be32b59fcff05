import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type { Writable } from 'node:stream';
import type pg from 'pg';
import { databaseUnavailableCause } from '../../core/database-unavailable.js';
import type { NamedStatements } from './named-statements.js';

/**
 * The savepoint each work of a commit group starts with (storage/postgres/transaction-group.ts). Its answer is not
 * waited for: the client runs in pipeline mode (storage/postgres/open.ts), so it goes out at once and the work's first
 * statement follows it on the wire, one round trip for both instead of two. Should it fail, the connection is taken
 * as broken, so every later statement of the group, its COMMIT included, fails and nothing of the group stays.
 */
export const GROUPED_SAVEPOINT = 'SAVEPOINT keyward_grouped';

/**
 * Holds what is written to the client's socket until the promise chain running now has settled, so the savepoint and
 * the work's first statement (sent a few microtasks later) leave in one write: a write to a socket is a system call
 * that cost about as much CPU as the statement it carried (bench/RESULTS.md, "Session 18"). The writes are let go
 * on the tick after the current microtasks, whatever the work does meanwhile, so nothing waits longer than that.
 */
function holdWritesForTheTurn(client: pg.PoolClient): void {
  // pg's Client keeps its socket at connection.stream (pg/lib/connection.js); pg corks it per statement itself.
  const stream = (client as unknown as { connection?: { stream?: Writable } }).connection?.stream;
  if (stream === undefined || typeof stream.cork !== 'function') return;
  stream.cork();
  // A nextTick queued from a microtask runs once the microtask queue has drained: after the work's first statement.
  queueMicrotask(() => process.nextTick(() => stream.uncork()));
}

/** What Kysely is given for GROUPED_SAVEPOINT before PostgreSQL has answered it. */
const UNANSWERED_SAVEPOINT = { command: 'SAVEPOINT', rowCount: null, rows: [], fields: [] };

/**
 * Whether PostgreSQL answers, as the pool sees it (no query of its own): a connection made or a statement answered
 * says up; a connection refused, lost or timed out says down. Read by the `keyward_database_up` gauge.
 */
export class DatabaseHealth {
  up = true;
  constructor(private readonly onChange: (up: boolean, cause?: unknown) => void = () => undefined) {}

  saw(up: boolean, cause?: unknown): void {
    if (up === this.up) return;
    this.up = up;
    this.onChange(up, cause);
  }
}

/**
 * One pooled connection as Kysely uses it, which remembers a failure that broke it. Kysely releases a connection
 * without saying why (dialect/postgres/postgres-driver.js, `release()`), so a connection whose statement timed out
 * would go back to the pool with that statement still on the wire, and the next user would read its late answer;
 * and inside a transaction Kysely sends ROLLBACK on it, which would wait out a second timeout. Once broken, every
 * further statement fails at once and the release destroys the connection (pg-pool ends a client released with an
 * error, and pg's `end` destroys a socket with a statement in flight).
 */
class GuardedClient implements PostgresPoolClient {
  private broken: Error | undefined;

  constructor(
    private readonly client: pg.PoolClient,
    private readonly health: DatabaseHealth,
    private readonly statements: NamedStatements,
    private readonly arrayRowTexts: ReadonlySet<string>,
  ) {}

  // biome-ignore lint/suspicious/noExplicitAny: Kysely's PostgresPoolClient.query signature
  query(sql: any, parameters?: any): any {
    if (this.broken) return Promise.reject(new Error(`database connection lost: ${this.broken.message}`, { cause: this.broken }));
    const name = typeof sql === 'string' ? this.statements.nameOf(sql) : undefined;
    const arrays = typeof sql === 'string' && this.arrayRowTexts.has(sql);
    if (sql === GROUPED_SAVEPOINT && this.client.pipeline) {
      holdWritesForTheTurn(this.client);
      this.client.query(sql).then(
        () => this.health.saw(true),
        (error: unknown) => {
          this.broken ??= error instanceof Error ? error : new Error(String(error));
        },
      );
      return Promise.resolve(UNANSWERED_SAVEPOINT);
    }
    const sent =
      name === undefined && !arrays
        ? this.client.query(sql, parameters)
        : this.client.query({ name, text: sql, values: parameters, ...(arrays ? { rowMode: 'array' as const } : {}) });
    return sent.then(
      (result) => {
        this.health.saw(true);
        return result;
      },
      (error: unknown) => {
        // statement_timeout (57014) leaves the connection usable; anything else unavailable ends it.
        const cause = databaseUnavailableCause(error);
        if (cause !== undefined && cause !== '57014') {
          this.broken = error as Error;
          this.health.saw(false, error);
        }
        throw error;
      },
    );
  }

  /** The connection ended under its user: every further statement fails, and the release destroys it. */
  lost(error: Error): void {
    this.broken ??= error;
  }

  /** `destroy`: Kysely discards a connection whose ROLLBACK failed. */
  release(destroy?: boolean): void {
    this.client.release(this.broken ?? destroy === true);
  }
}

/**
 * The pool Kysely draws from: pg's, with each client wrapped once (Kysely keys its connections by client object)
 * and the outcome of every connection attempt told to `health`; the texts in `statements` are sent under their names,
 * and the rows of those in `arrayRowTexts` come back as arrays (dialect.ts, readRowsAsArrays).
 */
export function guardedPool(
  pool: pg.Pool,
  health: DatabaseHealth,
  statements: NamedStatements,
  arrayRowTexts: ReadonlySet<string>,
): PostgresPool {
  const guarded = new WeakMap<pg.PoolClient, GuardedClient>();
  return {
    connect: async () => {
      let client: pg.PoolClient;
      try {
        client = await pool.connect();
      } catch (error) {
        health.saw(false, error);
        throw error;
      }
      let wrapper = guarded.get(client);
      if (!wrapper) {
        const created = new GuardedClient(client, health, statements, arrayRowTexts);
        // pg-pool listens for a client's 'error' only while the client is idle in the pool, and pg emits one when the
        // connection ends (a stop of PostgreSQL, a reset) whatever the client is doing; in pipeline mode (open.ts) that
        // can happen while the client is checked out between two statements, and an 'error' with no listener would
        // end the process (test/faults/postgres-outage.test.ts).
        client.on('error', (error: Error) => created.lost(error));
        wrapper = created;
        guarded.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
  };
}
