import type Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import type { Tables } from '../sql/tables.js';

interface QueuedWork {
  work(db: Kysely<Tables>): Promise<unknown>;
  /** Its result goes to the group's `finish`, after its savepoint (runFinishedLater). */
  finishedLater: boolean;
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/**
 * The store's transactions on SQLite, committed in groups (docs/decisions/0029). Every write shares one connection,
 * and a commit writes every page the transaction changed to the WAL: for a key's creation (the key's row and its
 * indexes, the audit record, its resources, the chain head) that write costs more than the statements. Transactions
 * that arrive while the connection is busy therefore run one after another inside one `BEGIN IMMEDIATE ... COMMIT`,
 * each in a savepoint of its own: a work that fails is rolled back to its savepoint and fails alone, exactly as its
 * own transaction would have; the others keep their changes. Each caller is answered only after the commit, so no
 * one is told of a change that is not durable; if the commit itself fails (or SQLite abandons the transaction, as it
 * does on a full disk), every work of the group fails and none of their changes stay. A change and its audit record
 * are in the same savepoint, so they still land together or not at all (docs/decisions/0010).
 *
 * As the credit batch (credit-batch.ts) does, the group holds Kysely's single connection while it runs, and sends
 * its own BEGIN, SAVEPOINT, RELEASE and COMMIT straight to better-sqlite3; the works' statements go through Kysely on
 * that held connection.
 *
 * A work run with `runFinishedLater` hands its result to `finish`, which runs outside the savepoints once for the
 * results of such works in a row (the store writes their audit records, webhook events and changes in one go:
 * docs/decisions/0032): at the end of the group, or before the next work that is not finished later, so what the
 * works write stays in the order they ran. A `finish` that fails fails the whole group, as a failed commit does.
 */
export class SqliteTransactionGroup<F = never> {
  private pending: QueuedWork[] = [];
  private readonly begin: Database.Statement;
  private readonly savepoint: Database.Statement;
  private readonly release: Database.Statement;
  private readonly rollbackToSavepoint: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;

  constructor(
    private readonly kysely: Kysely<Tables>,
    private readonly database: Database.Database,
    private readonly finish: (db: Kysely<Tables>, values: F[]) => Promise<void> = async () => undefined,
  ) {
    this.begin = database.prepare('BEGIN IMMEDIATE');
    this.savepoint = database.prepare('SAVEPOINT keyward_grouped');
    this.release = database.prepare('RELEASE keyward_grouped');
    this.rollbackToSavepoint = database.prepare('ROLLBACK TO keyward_grouped');
    this.commit = database.prepare('COMMIT');
    this.rollback = database.prepare('ROLLBACK');
  }

  /** Runs `work` on the held connection, inside the group's transaction; resolves with its result after the commit. */
  run<T>(work: (db: Kysely<Tables>) => Promise<T>): Promise<T> {
    return this.enqueue(work, false);
  }

  /** As `run`, and its result is also handed to `finish` before the commit. */
  runFinishedLater(work: (db: Kysely<Tables>) => Promise<F>): Promise<F> {
    return this.enqueue(work, true);
  }

  private enqueue<T>(work: (db: Kysely<Tables>) => Promise<T>, finishedLater: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ work, finishedLater, resolve: resolve as (value: unknown) => void, reject });
      // The first work of a group starts its flush; the group is whatever has arrived when the connection is free.
      if (this.pending.length === 1) {
        this.flush().catch((error: unknown) => {
          // The connection could not be had (the store is closing): nothing ran.
          const group = this.pending;
          this.pending = [];
          for (const queued of group) queued.reject(error);
        });
      }
    });
  }

  private async flush(): Promise<void> {
    await this.kysely.connection().execute(async (db) => {
      const group = this.pending;
      this.pending = [];
      if (group.length === 0) return;
      const outcomes: Outcome[] = [];
      try {
        this.begin.run();
        let toFinish: F[] = [];
        for (const queued of group) {
          if (!queued.finishedLater && toFinish.length > 0) {
            await this.finish(db, toFinish);
            toFinish = [];
          }
          const outcome = await this.runInSavepoint(db, queued);
          outcomes.push(outcome);
          if (queued.finishedLater && outcome.ok) toFinish.push(outcome.value as F);
        }
        if (toFinish.length > 0) await this.finish(db, toFinish);
        this.commit.run();
      } catch (error) {
        // The transaction as a whole failed: SQLite may have rolled it back already (a full disk, say).
        if (this.database.inTransaction) this.rollback.run();
        for (const queued of group) queued.reject(error);
        return;
      }
      group.forEach((queued, i) => {
        const outcome = outcomes[i]!;
        if (outcome.ok) queued.resolve(outcome.value);
        else queued.reject(outcome.error);
      });
    });
  }

  /** One work in its savepoint; throws only when the whole transaction is lost (then the group fails). */
  private async runInSavepoint(db: Kysely<Tables>, queued: QueuedWork): Promise<Outcome> {
    this.savepoint.run();
    try {
      const value = await queued.work(db);
      this.release.run();
      return { ok: true, value };
    } catch (error) {
      if (!this.database.inTransaction) throw error;
      this.rollbackToSavepoint.run();
      this.release.run();
      return { ok: false, error };
    }
  }
}
