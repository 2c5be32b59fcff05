import { sql } from 'kysely';
import { ALERT_EVENT_TYPES, alertPayload } from '../../webhooks/events.js';
import type { AlertOps, CreditsAlertClaim, RatelimitAlertClaim } from '../alerts.js';
import type { SqlDialect } from './dialect.js';
import { tryJobLock, type Executor } from './shared.js';
import { queueEvents } from './webhooks.js';

/**
 * Alerts' claims (docs/decisions/0027): one conditional UPDATE decides which of any number of concurrent callers, on
 * any node, fires an alert; the winner queues the event on the same executor, which the store runs in a transaction,
 * so the claim and its outbox rows commit together.
 */
export function alertSql(db: Executor, dialect: SqlDialect): AlertOps {
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

    async alertExpiringKeys(now: number, withinMs: number, limit: number): Promise<number> {
      // The job runs on every node; the lock, held to the end of this transaction, lets one scan at a time. The
      // conditional UPDATE alone would already keep each alert to one node; the lock spares the others the work.
      if (!(await tryJobLock(db, dialect, EXPIRING_LOCK))) return 0;
      const { rows } = await sql<ExpiringRow>`UPDATE keys SET expiry_alerted_for = expires
        WHERE id IN (SELECT k.id FROM keys k
          WHERE k.expires > ${now} AND k.expires <= ${now + withinMs}
            AND (k.expiry_alerted_for IS NULL OR k.expiry_alerted_for <> k.expires)
            AND k.deleted_at IS NULL AND k.enabled = 1 AND k.sliding_expiration IS NULL AND k.consumed_at IS NULL
            AND k.workspace_id IN (SELECT workspace_id FROM webhook_endpoints WHERE enabled = 1)
            AND EXISTS (SELECT 1 FROM apis a WHERE a.id = k.api_id AND a.deleted_at IS NULL)
          ORDER BY k.expires, k.id LIMIT ${limit})
          -- Again on the row itself: PostgreSQL re-checks these, not the sub-select's, on a row another writer changed.
          AND (expiry_alerted_for IS NULL OR expiry_alerted_for <> expires)
        RETURNING id, workspace_id, api_id, name, expires`.execute(db);
      const type = ALERT_EVENT_TYPES.keyExpiring;
      await queueEvents(
        db,
        rows.map((row) => ({
          workspaceId: row.workspace_id,
          type,
          time: now,
          payload: alertPayload(type, row.workspace_id, now, {
            keyId: row.id,
            apiId: row.api_id,
            name: row.name,
            expires: Number(row.expires),
          }),
        })),
      );
      return rows.length;
    },

    async claimRatelimitAlert(claim: RatelimitAlertClaim): Promise<boolean> {
      // One statement on both engines: the row is made, or moved on only if the cool-down has passed; a row that
      // stays as it was returns nothing. Concurrent claims on PostgreSQL wait for each other's row and re-check.
      const { rows } = await sql`INSERT INTO ratelimit_alerts (workspace_id, subject_id, identifier, last_fired_at)
        VALUES (${claim.workspaceId}, ${claim.subject.id}, ${claim.identifier}, ${claim.now})
        ON CONFLICT (workspace_id, subject_id, identifier) DO UPDATE SET last_fired_at = excluded.last_fired_at
          WHERE ratelimit_alerts.last_fired_at <= ${claim.now - claim.cooldownMs}
        RETURNING last_fired_at`.execute(db);
      if (rows.length === 0) return false;
      const type = ALERT_EVENT_TYPES.ratelimitExceeded;
      await queueEvents(db, [
        {
          workspaceId: claim.workspaceId,
          type,
          time: claim.now,
          payload: alertPayload(type, claim.workspaceId, claim.now, {
            ...(claim.subject.type === 'namespace'
              ? { namespaceId: claim.subject.id, namespace: claim.subject.name }
              : { keyId: claim.subject.id }),
            identifier: claim.identifier,
            refusals: claim.refusals,
            windowMs: claim.windowMs,
            cooldownMs: claim.cooldownMs,
          }),
        },
      ]);
      return true;
    },
  };
}

interface ExpiringRow {
  id: string;
  workspace_id: string;
  api_id: string;
  name: string | null;
  expires: number | string;
}

/** The advisory lock class one node scans for expiring keys under (arbitrary, unused elsewhere in Keyward; shared.ts, tryJobLock). */
const EXPIRING_LOCK = 1802961429;
