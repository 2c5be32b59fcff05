import { sql } from 'kysely';
import { MAX_COUNT } from '../../core/bounds.js';
import { monthlyRefillDaysOn, startOfUtcDay } from '../../core/refill.js';
import type { CreditOperation, CreditOps, KeyStanding, Spend, SpendCondition } from '../store.js';
import type { SqlDialect } from './dialect.js';
import { bool, num, type Executor } from './shared.js';

/**
 * The credit spend of the verify path: one conditional UPDATE, so concurrent spends never overspend, and the same
 * statement re-checks that the key may still be charged (storage/credits.ts, SpendCondition): a revocation that
 * committed before the charge runs refuses it. On PostgreSQL a charge that waited for the key's row re-reads only
 * that row, not other tables, which is why a deleted API also marks its keys deleted (sql/apis.ts) and every change of
 * a key writes its updated_at (services/keys/change.ts). Written as SQL rather than built with the query builder,
 * which cost about 13 us of CPU per call on top of the statement itself (bench/RESULTS.md, "Profiling and fixes").
 * The SQLite batch (sqlite/credit-batch.ts) prepares these same texts.
 */
export const spendCreditsSql = (keyId: string, cost: number, condition: SpendCondition) =>
  sql<{ remaining: number | string }>`UPDATE keys SET remaining = remaining - ${cost}
    WHERE id = ${keyId} AND remaining >= ${cost} AND deleted_at IS NULL AND enabled = 1
      AND (expires IS NULL OR expires >= ${condition.now}) AND COALESCE(updated_at, -1) = ${condition.updatedAt ?? -1}
      AND EXISTS (SELECT 1 FROM apis WHERE apis.id = keys.api_id AND apis.deleted_at IS NULL)
    RETURNING remaining`;

/** A key's standing after a refused charge: whatever the charge's condition looked at. */
export const keyStandingSql = (keyId: string) =>
  sql<StandingRow>`SELECT k.remaining, k.enabled, k.expires, k.updated_at, k.deleted_at, a.deleted_at AS api_deleted_at
    FROM keys k JOIN apis a ON a.id = k.api_id WHERE k.id = ${keyId}`;

export interface StandingRow {
  remaining: number | string | null;
  enabled: number;
  expires: number | string | null;
  updated_at: number | string | null;
  deleted_at: number | string | null;
  api_deleted_at: number | string | null;
}

export function standingFrom(row: StandingRow | undefined): KeyStanding | undefined {
  if (!row) return undefined;
  return {
    live: row.deleted_at === null && row.api_deleted_at === null,
    enabled: bool(row.enabled),
    expires: num(row.expires),
    remaining: num(row.remaining),
    updatedAt: num(row.updated_at),
  };
}

export function creditSql(db: Executor, dialect: SqlDialect): CreditOps {
  return {
    async changeCredits(keyId: string, operation: CreditOperation, value: number): Promise<number | undefined> {
      const remaining =
        operation === 'set'
          ? sql<number>`${value}`
          : operation === 'increment'
            ? sql<number>`remaining + ${value}`
            : sql<number>`CASE WHEN remaining > ${value} THEN remaining - ${value} ELSE 0 END`;
      // Credits set or topped up are what alerts measure use against from now on, from no threshold alerted; a
      // decrement keeps both (docs/decisions/0027).
      const given = operation === 'decrement' ? {} : { credits_base: remaining, credits_alerted: 0 };
      const row = await db
        .updateTable('keys')
        .set({ remaining, ...given })
        .where('id', '=', keyId)
        // A soft-deleted key is gone: its balance must not move (nor be reported) any more.
        .where('deleted_at', 'is', null)
        .$if(operation !== 'set', (qb) => qb.where('remaining', 'is not', null))
        // Counts stay within MAX_COUNT (core/bounds.ts), checked in the statement so concurrent increments cannot pass it.
        .$if(operation === 'increment', (qb) => qb.where('remaining', '<=', MAX_COUNT - value))
        .returning('remaining')
        .executeTakeFirst();
      return row?.remaining === undefined || row.remaining === null ? undefined : Number(row.remaining);
    },

    async spendCredits(keyId: string, cost: number, condition: SpendCondition): Promise<Spend> {
      // Run on every verification of a key with credits: kept prepared (dialect.ts, keepPrepared).
      const spend = spendCreditsSql(keyId, cost, condition).compile(db);
      dialect.keepPrepared(spend.sql);
      const { rows } = await db.executeQuery(spend);
      if (rows[0]) return { charged: true, remaining: Number(rows[0].remaining) };
      const standing = await keyStandingSql(keyId).execute(db);
      return { charged: false, key: standingFrom(standing.rows[0]) };
    },

    async readCredits(keyId: string): Promise<number | null | undefined> {
      const row = await db.selectFrom('keys').select('remaining').where('id', '=', keyId).executeTakeFirst();
      return row ? num(row.remaining) : undefined;
    },

    async refillCredits(now: number): Promise<number> {
      const result = await db
        .updateTable('keys')
        .set((eb) => ({ remaining: eb.ref('refill_amount'), last_refill_at: now, credits_alerted: 0 }))
        .where('refill_amount', 'is not', null)
        .where('deleted_at', 'is', null)
        .where((eb) => eb.or([eb('last_refill_at', 'is', null), eb('last_refill_at', '<', startOfUtcDay(now))]))
        .where((eb) => eb.or([eb('refill_day', 'is', null), eb('refill_day', 'in', monthlyRefillDaysOn(now))]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}
