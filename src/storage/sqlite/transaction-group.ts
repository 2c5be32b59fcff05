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

/**
 * The most works of one group. A group runs without yielding to the event loop (better-sqlite3 is synchronous), about
 * 0.3 ms per key creation, so this bounds how long one group keeps every other request waiting to about 20-40 ms.
 */
export const MAX_GROUP = 100;

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
    /** Called after each commit (the store's checkpointer.ts watches the WAL's size there). */
    private readonly afterCommit: () => void = () => undefined,
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
      // The first work of a group schedules its flush; the group is whatever has arrived by then.
      if (this.pending.length === 1) this.scheduleFlush();
    });
  }

  /**
   * The flush starts after the I/O callbacks of this turn of the event loop (setImmediate), not at once: a work's
   * statements are synchronous (better-sqlite3), so a flush started at once ran its group, of that one work, before
   * the next request was even read, and with 50 connections creating keys every group was one creation, each with
   * its own BEGIN, COMMIT and WAL write of the pages it changed (bench/RESULTS.md, "Session 12"). Deferred, the
   * requests read in the same turn join one group.
   */
  private scheduleFlush(): void {
    setImmediate(() => {
      this.flush().catch((error: unknown) => {
        // The connection could not be had (the store is closing): nothing ran.
        const group = this.pending.splice(0, this.pending.length);
        for (const queued of group) queued.reject(error);
      });
    });
  }

  private async flush(): Promise<void> {
    await this.kysely.connection().execute(async (db) => {
      // At most MAX_GROUP works: the group runs in one go on the event loop, which it holds until its commit.
      const group = this.pending.splice(0, MAX_GROUP);
      if (this.pending.length > 0) this.scheduleFlush();
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
      this.afterCommit();
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
