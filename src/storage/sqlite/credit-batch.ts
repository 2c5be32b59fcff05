import type Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { keyStandingSql, spendCreditsSql, standingFrom, type StandingRow } from '../sql/credits.js';
import type { Tables } from '../sql/tables.js';
import type { Spend, SpendCondition } from '../store.js';

interface PendingSpend {
  keyId: string;
  cost: number;
  condition: SpendCondition;
  resolve(spend: Spend): void;
  reject(error: unknown): void;
}

/**
 * Credit spends on SQLite, committed in groups. A spend on its own is a write transaction (about 14 us, most of it
 * the commit); spends that arrive together (concurrent verifications, which the verify lane answers in batches)
 * run as one transaction of single-row UPDATEs, about 4 us each (bench/RESULTS.md).
 *
 * Each spend is still the same atomic conditional UPDATE (which also re-checks that the key may be charged), so a
 * balance is never overspent, and each is answered only after its transaction commits; a refused one reads the key's
 * standing in the same transaction, so the verification learns why without another trip to the connection. Statements run synchronously on better-sqlite3 while Kysely's single
 * connection is held, so no Kysely transaction can be open around them. If the transaction fails, it is rolled
 * back and every spend in it fails: nothing was charged.
 */
export class SqliteCreditBatch {
  private pending: PendingSpend[] = [];
  private readonly spend: Database.Statement<[number, string, number, number, number], { remaining: number }>;
  private readonly standing: Database.Statement<[string], StandingRow>;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;

  constructor(
    private readonly kysely: Kysely<Tables>,
    private readonly database: Database.Database,
    /** Called after each commit (the store's checkpointer.ts watches the WAL's size there). */
    private readonly afterCommit: () => void = () => undefined,
  ) {
    // The plain spend's statements (sql/credits.ts), compiled once; flush binds the spend as (cost, key id, cost, now,
    // updatedAt or -1) and the standing as (key id), which these checks hold them to.
    const spend = spendCreditsSql('key', 1, { now: 2, updatedAt: 3 }).compile(kysely);
    if (spend.parameters.join() !== [1, 'key', 1, 2, 3].join()) {
      throw new Error(`credit batch: unexpected spend parameters ${spend.parameters.join()}`);
    }
    const standing = keyStandingSql('key').compile(kysely);
    if (standing.parameters.join() !== 'key') throw new Error(`credit batch: unexpected standing parameters ${standing.parameters.join()}`);
    this.spend = database.prepare(spend.sql);
    this.standing = database.prepare(standing.sql);
    this.begin = database.prepare('BEGIN IMMEDIATE');
    this.commit = database.prepare('COMMIT');
    this.rollback = database.prepare('ROLLBACK');
  }

  /** What is left after spending `cost`, or, when the key lacks the credits or no longer meets `condition`, its standing. */
  charge(keyId: string, cost: number, condition: SpendCondition): Promise<Spend> {
    return new Promise((resolve, reject) => {
      this.pending.push({ keyId, cost, condition, resolve, reject });
      // The first spend of a group starts its flush; the group is whatever has arrived when the connection is free.
      if (this.pending.length === 1) {
        this.flush().catch((error: unknown) => {
          // The connection could not be had (the store is closing): nothing ran, so nothing was charged.
          const group = this.pending;
          this.pending = [];
          for (const spend of group) spend.reject(error);
        });
      }
    });
  }

  private async flush(): Promise<void> {
    await this.kysely.connection().execute(async () => {
      const group = this.pending;
      this.pending = [];
      if (group.length === 0) return;
      const outcomes: Spend[] = [];
      try {
        this.begin.run();
        try {
          for (const { keyId, cost, condition } of group) {
            const spent = this.spend.get(cost, keyId, cost, condition.now, condition.updatedAt ?? -1);
            outcomes.push(
              spent ? { charged: true, remaining: spent.remaining } : { charged: false, key: standingFrom(this.standing.get(keyId)) },
            );
          }
          this.commit.run();
        } catch (error) {
          // SQLite may have rolled back already (a full disk, say); then there is nothing left to undo.
          if (this.database.inTransaction) this.rollback.run();
          throw error;
        }
      } catch (error) {
        for (const spend of group) spend.reject(error);
        return;
      }
      this.afterCommit();
      group.forEach((spend, i) => {
        spend.resolve(outcomes[i]!);
      });
    });
  }
}
