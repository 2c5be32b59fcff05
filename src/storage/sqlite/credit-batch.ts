import type Database from 'better-sqlite3';
import type { Kysely } from 'kysely';
import { spendCreditsSql } from '../sql/credits.js';
import type { Tables } from '../sql/tables.js';

interface PendingSpend {
  keyId: string;
  cost: number;
  resolve(left: number | undefined): void;
  reject(error: unknown): void;
}

/**
 * Credit spends on SQLite, committed in groups. A spend on its own is a write transaction (about 14 us, most of it
 * the commit); spends that arrive together (concurrent verifications, which the verify lane answers in batches)
 * run as one transaction of single-row UPDATEs, about 4 us each (bench/RESULTS.md).
 *
 * Each spend is still the same atomic conditional UPDATE, so a balance is never overspent, and each is answered
 * only after its transaction commits. Statements run synchronously on better-sqlite3 while Kysely's single
 * connection is held, so no Kysely transaction can be open around them. If the transaction fails, it is rolled
 * back and every spend in it fails: nothing was charged.
 */
export class SqliteCreditBatch {
  private pending: PendingSpend[] = [];
  private readonly spend: Database.Statement<[number, string, number], { remaining: number }>;
  private readonly begin: Database.Statement;
  private readonly commit: Database.Statement;
  private readonly rollback: Database.Statement;

  constructor(
    private readonly kysely: Kysely<Tables>,
    private readonly database: Database.Database,
  ) {
    // The plain spend's statement (sql/credits.ts), compiled once; flush binds it as (cost, key id, cost), which this check holds it to.
    const { sql, parameters } = spendCreditsSql('key', 1).compile(kysely);
    if (parameters.join() !== [1, 'key', 1].join()) throw new Error(`credit batch: unexpected spend parameters ${parameters.join()}`);
    this.spend = database.prepare(sql);
    this.begin = database.prepare('BEGIN IMMEDIATE');
    this.commit = database.prepare('COMMIT');
    this.rollback = database.prepare('ROLLBACK');
  }

  /** What is left after spending `cost`, or undefined when the key has fewer than `cost` credits (or does not exist). */
  charge(keyId: string, cost: number): Promise<number | undefined> {
    return new Promise((resolve, reject) => {
      this.pending.push({ keyId, cost, resolve, reject });
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
      const left: Array<number | undefined> = [];
      try {
        this.begin.run();
        try {
          for (const { keyId, cost } of group) left.push(this.spend.get(cost, keyId, cost)?.remaining);
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
      group.forEach((spend, i) => {
        spend.resolve(left[i]);
      });
    });
  }
}
