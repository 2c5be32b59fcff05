import type { KeyLeakRecord, LeakOps, LeakedKeyMatch } from '../store.js';
import type { Executor } from './shared.js';
import type { Tables } from './tables.js';

// PostgreSQL answers a BIGINT as a string.
const leakFromRow = (row: Tables['key_leaks']): KeyLeakRecord => ({
  id: row.id,
  workspaceId: row.workspace_id,
  keyId: row.key_id,
  reportedAt: Number(row.reported_at),
  reporter: row.reporter,
  tokenType: row.token_type,
  url: row.url,
  source: row.source,
  action: row.action === 'reported' ? 'reported' : 'disabled',
});

export function leakSql(db: Executor): LeakOps {
  return {
    async findLeakedKeys(hash: string): Promise<LeakedKeyMatch[]> {
      // The keys_hash index (migration 0011); only live keys of live APIs, as every other lookup.
      const rows = await db
        .selectFrom('keys as k')
        .innerJoin('apis as a', 'a.id', 'k.api_id')
        .select(['k.workspace_id', 'k.id', 'a.leak_policy'])
        .where('k.hash', '=', hash)
        .where('k.deleted_at', 'is', null)
        .where('a.deleted_at', 'is', null)
        .orderBy('k.workspace_id')
        .orderBy('k.id')
        .execute();
      return rows.map((row) => ({
        workspaceId: row.workspace_id,
        keyId: row.id,
        leakPolicy: row.leak_policy === 'report' ? 'report' : 'disable',
      }));
    },

    async insertKeyLeak(leak: KeyLeakRecord): Promise<void> {
      await db
        .insertInto('key_leaks')
        .values({
          id: leak.id,
          workspace_id: leak.workspaceId,
          key_id: leak.keyId,
          reported_at: leak.reportedAt,
          reporter: leak.reporter,
          token_type: leak.tokenType,
          url: leak.url,
          source: leak.source,
          action: leak.action,
        })
        .execute();
    },

    async listKeyLeaks(workspaceId: string, keyId: string, limit: number): Promise<KeyLeakRecord[]> {
      const rows = await db
        .selectFrom('key_leaks')
        .selectAll()
        .where('workspace_id', '=', workspaceId)
        .where('key_id', '=', keyId)
        .orderBy('reported_at', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(leakFromRow);
    },

    async claimLeakReport(digest: string, seenAt: number): Promise<boolean> {
      const result = await db
        .insertInto('leak_report_digests')
        .values({ digest, seen_at: seenAt })
        .onConflict((oc) => oc.column('digest').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async releaseLeakReport(digest: string): Promise<void> {
      await db.deleteFrom('leak_report_digests').where('digest', '=', digest).execute();
    },

    async pruneLeakReports(before: number): Promise<number> {
      const result = await db.deleteFrom('leak_report_digests').where('seen_at', '<', before).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
