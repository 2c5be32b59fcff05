import { type Kysely, sql } from 'kysely';
import type { Tables } from '../sql/tables.js';
import { GROUPED_SAVEPOINT } from './guarded-pool.js';

interface QueuedWork<R> {
  work(db: Kysely<Tables>): Promise<R>;
  resolve(value: R): void;
  reject(error: unknown): void;
}

type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Works per group: under PostgreSQL's 64 cached subtransaction ids per transaction (PGPROC_MAX_CACHED_SUBXIDS), past
 * which every other session's snapshot looks this transaction's rows up in pg_subtrans, slowly.
 */
export const MAX_WORKS_PER_GROUP = 60;

interface KeyState<R> {
  queue: QueuedWork<R>[];
  /** A group of this key is running its works (not yet its end or its commit). */
  working: boolean;
}

/**
 * Transactions of one group key (a workspace) committed together on PostgreSQL (docs/decisions/0032). Every mutation
 * of a workspace takes its audit chain's head row lock and holds it until its commit has reached the disk
 * (storage/sql/audit.ts), so one workspace's mutations commit one at a time, a WAL flush each. Here the works queued
 * under one key go into one transaction instead, one after another, each in a savepoint of its own: a work that
 * fails is rolled back to its savepoint and fails alone, the others keep their changes. Then `finish` runs once for
 * the works that succeeded (the store chains all their audit records under one head lock), and one COMMIT serves
 * them all. Each caller is answered after the commit; if `finish` or the commit fails, every work of the group fails
 * and none of their changes stay.
 *
 * A key's next group starts its works as soon as the previous group has run all of its own, while that one finishes
 * and commits. So of one key only one group on this node is ever running works, and the others are in their end,
 * which waits for nothing but the chain head (whose holders wait for nothing else: storage/sql/audit.ts): the groups
 * of this node never wait for each other's row locks in a cycle. Groups of different keys run side by side.
 */
export class PostgresTransactionGroups<R> {
  private readonly keys = new Map<string, KeyState<R>>();

  constructor(
    private readonly kysely: Kysely<Tables>,
    private readonly finish: (db: Kysely<Tables>, values: R[]) => Promise<void>,
  ) {}

  /** Runs `work` in a transaction of `key`'s groups; resolves with its result after that transaction commits. */
  run(key: string, work: (db: Kysely<Tables>) => Promise<R>): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      let state = this.keys.get(key);
      if (!state) {
        state = { queue: [], working: false };
        this.keys.set(key, state);
      }
      state.queue.push({ work, resolve, reject });
      // Otherwise the group running works starts the next one when its works are done.
      if (!state.working) this.start(key, state);
    });
  }

  /** Starts a group of what `key` has queued; once its works are done, the next group of what queued meanwhile. */
  private start(key: string, state: KeyState<R>): void {
    const group = state.queue.splice(0, MAX_WORKS_PER_GROUP);
    state.working = true;
    let worksDone = false;
    const next = () => {
      if (worksDone) return;
      worksDone = true;
      state.working = false;
      if (state.queue.length > 0) this.start(key, state);
      else if (this.keys.get(key) === state) this.keys.delete(key);
    };
    void this.runGroup(group, next).finally(next);
  }

  private async runGroup(group: QueuedWork<R>[], worksDone: () => void): Promise<void> {
    let outcomes: Outcome<R>[];
    try {
      outcomes = await this.kysely.transaction().execute(async (trx) => {
        const done: Outcome<R>[] = [];
        for (const queued of group) done.push(await runInSavepoint(trx, queued));
        worksDone();
        await this.finish(
          trx,
          done.flatMap((outcome) => (outcome.ok ? [outcome.value] : [])),
        );
        return done;
      });
    } catch (error) {
      // The transaction as a whole failed (finish, COMMIT, a lost connection): Kysely rolled it back.
      for (const queued of group) queued.reject(error);
      return;
    }
    group.forEach((queued, i) => {
      const outcome = outcomes[i]!;
      if (outcome.ok) queued.resolve(outcome.value);
      else queued.reject(outcome.error);
    });
  }
}

/**
 * One work in a savepoint of its own. Not released: the next work's savepoint nests inside it, which saves a round
 * trip per work, and a ROLLBACK TO names the most recent savepoint of that name, so it undoes this work only.
 * Throws only when the savepoint itself could not be set or rolled back to (then the group fails).
 */
async function runInSavepoint<R>(trx: Kysely<Tables>, queued: QueuedWork<R>): Promise<Outcome<R>> {
  // Not waited for: it goes out with the work's first statement (guarded-pool.ts, GROUPED_SAVEPOINT).
  await sql.raw(GROUPED_SAVEPOINT).execute(trx);
  try {
    return { ok: true, value: await queued.work(trx) };
  } catch (error) {
    await sql`ROLLBACK TO SAVEPOINT keyward_grouped`.execute(trx);
    return { ok: false, error };
  }
}
