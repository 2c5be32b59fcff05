import { sql } from 'kysely';
import type { PruningOps } from '../pruning.js';
import type { SqlDialect } from './dialect.js';
import { tryJobLock, type Executor } from './shared.js';

/** Lock classes of the two prunings (arbitrary, unused elsewhere in Keyward; see shared.ts, tryJobLock). */
const RATELIMIT_ALERTS_LOCK = 1802961430;
const RETIRED_ROOT_KEYS_LOCK = 1802961431;

/** The store runs each in a transaction of its own (sql-store.ts), which holds its lock to the end. */
export function pruningSql(db: Executor, dialect: SqlDialect): PruningOps {
  return {
    async pruneRatelimitAlerts(firedBy: number): Promise<number> {
      if (!(await tryJobLock(db, dialect, RATELIMIT_ALERTS_LOCK))) return 0;
      const result = await db.deleteFrom('ratelimit_alerts').where('last_fired_at', '<=', firedBy).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async pruneRetiredRootKeys(now: number): Promise<number> {
      if (!(await tryJobLock(db, dialect, RETIRED_ROOT_KEYS_LOCK))) return 0;
      const result = await db
        .updateTable('root_keys')
        .set({ deleted_at: sql<number>`retires_at` })
        .where('deleted_at', 'is', null)
        .where('retires_at', '<=', now)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },
  };
}
