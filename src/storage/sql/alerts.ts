import { sql } from 'kysely';
import { ALERT_EVENT_TYPES, alertPayload } from '../../webhooks/events.js';
import type { AlertOps, CreditsAlertClaim } from '../alerts.js';
import type { Executor } from './shared.js';
import { queueEvents } from './webhooks.js';

/**
 * Alerts' claims (docs/decisions/0027): one conditional UPDATE decides which of any number of concurrent callers, on
 * any node, fires an alert; the winner queues the event on the same executor, which the store runs in a transaction,
 * so the claim and its outbox rows commit together.
 */
export function alertSql(db: Executor): AlertOps {
  return {
    async claimCreditsAlert(claim: CreditsAlertClaim): Promise<boolean> {
      // One bit per threshold, not a rising level: concurrent spends' claims commit in any order, and a later
      // threshold's claim committing first must not swallow an earlier one's.
      const bit = 2 ** (claim.level - 1);
      const claimed = await sql`UPDATE keys SET credits_alerted = credits_alerted | ${bit}
        WHERE id = ${claim.keyId} AND workspace_id = ${claim.workspaceId} AND (credits_alerted & ${bit}) = 0
          AND deleted_at IS NULL RETURNING id`.execute(db);
      if (claimed.rows.length === 0) return false;
      const type = ALERT_EVENT_TYPES.creditsLow;
      await queueEvents(db, [
        {
          workspaceId: claim.workspaceId,
          type,
          time: claim.now,
          payload: alertPayload(type, claim.workspaceId, claim.now, {
            keyId: claim.keyId,
            apiId: claim.apiId,
            thresholdPercent: claim.thresholdPercent,
            remaining: claim.remaining,
            base: claim.base,
          }),
        },
      ]);
      return true;
    },
  };
}
