import { sql } from 'kysely';
import type { KeyLifetimeOps, SpendCondition } from '../store.js';
import type { Executor } from './shared.js';

/** Single statements, as the credit charge's (sql/credits.ts), so concurrent verifications cannot both succeed. */
export function keyLifetimeSql(db: Executor): KeyLifetimeOps {
  return {
    async consumeOneTimeKey(keyId: string, condition: SpendCondition): Promise<boolean> {
      const { rows } = await sql<{ id: string }>`UPDATE keys SET consumed_at = ${condition.now}
        WHERE id = ${keyId} AND one_time = 1 AND consumed_at IS NULL AND deleted_at IS NULL AND enabled = 1
          AND (expires IS NULL OR expires >= ${condition.now}) AND COALESCE(updated_at, -1) = ${condition.updatedAt ?? -1}
          AND EXISTS (SELECT 1 FROM apis WHERE apis.id = keys.api_id AND apis.deleted_at IS NULL)
        RETURNING id`.execute(db);
      return rows.length === 1;
    },

    async slideExpiry(keyId: string, now: number): Promise<number | undefined> {
      const { rows } = await sql<{ expires: number | string }>`UPDATE keys
        SET expires = CASE WHEN expires < ${now} + sliding_expiration THEN ${now} + sliding_expiration ELSE expires END
        WHERE id = ${keyId} AND sliding_expiration IS NOT NULL AND deleted_at IS NULL AND expires >= ${now}
        RETURNING expires`.execute(db);
      return rows[0] ? Number(rows[0].expires) : undefined;
    },
  };
}
