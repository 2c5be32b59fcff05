import { sql } from 'kysely';
import { MAX_COUNT } from '../../core/bounds.js';
import { monthlyRefillDaysOn, startOfUtcDay } from '../../core/refill.js';
import type { CreditOperation, CreditOps } from '../store.js';
import { num, type Executor } from './shared.js';

/**
 * The credit spend of the verify path: one conditional UPDATE, so concurrent spends never overspend. Written as SQL
 * rather than built with the query builder, which cost about 13 us of CPU per call on top of the statement itself
 * (bench/RESULTS.md, "Profiling and fixes"). The SQLite batch (sqlite/credit-batch.ts) prepares this same text.
 */
export const spendCreditsSql = (keyId: string, cost: number) =>
  sql<{
    remaining: number | string;
  }>`UPDATE keys SET remaining = remaining - ${cost} WHERE id = ${keyId} AND remaining >= ${cost} RETURNING remaining`;

export function creditSql(db: Executor): CreditOps {
  return {
    async changeCredits(keyId: string, operation: CreditOperation, value: number): Promise<number | undefined> {
      const remaining =
        operation === 'set'
          ? sql<number>`${value}`
          : operation === 'increment'
            ? sql<number>`remaining + ${value}`
            : sql<number>`CASE WHEN remaining > ${value} THEN remaining - ${value} ELSE 0 END`;
      const row = await db
        .updateTable('keys')
        .set({ remaining })
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

    async spendCredits(keyId: string, cost: number): Promise<number | undefined> {
      const { rows } = await spendCreditsSql(keyId, cost).execute(db);
      return rows[0] ? Number(rows[0].remaining) : undefined;
    },

    async readCredits(keyId: string): Promise<number | null | undefined> {
      const row = await db.selectFrom('keys').select('remaining').where('id', '=', keyId).executeTakeFirst();
      return row ? num(row.remaining) : undefined;
    },

    async refillCredits(now: number): Promise<number> {
      const result = await db
        .updateTable('keys')
        .set((eb) => ({ remaining: eb.ref('refill_amount'), last_refill_at: now }))
        .where('refill_amount', 'is not', null)
        .where('deleted_at', 'is', null)
        .where((eb) => eb.or([eb('last_refill_at', 'is', null), eb('last_refill_at', '<', startOfUtcDay(now))]))
        .where((eb) => eb.or([eb('refill_day', 'is', null), eb('refill_day', 'in', monthlyRefillDaysOn(now))]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}
