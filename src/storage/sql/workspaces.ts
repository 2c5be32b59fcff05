import type { WorkspaceOps, WorkspaceRecord } from '../store.js';
import { bool, type Executor } from './shared.js';

const FIRST_START = 'first_start_at';

export function workspaceSql(db: Executor): WorkspaceOps {
  return {
    async insertWorkspace(w: WorkspaceRecord): Promise<void> {
      await db
        .insertInto('workspaces')
        .values({ id: w.id, name: w.name, enabled: w.enabled ? 1 : 0, api_rate_limit: null, created_at: w.createdAt, deleted_at: null })
        .execute();
    },

    async claimFirstStart(now: number): Promise<boolean> {
      const result = await db
        .insertInto('keyward_state')
        .values({ name: FIRST_START, value: String(now) })
        .onConflict((oc) => oc.column('name').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async setWorkspaceApiRateLimit(workspaceId: string, limit: number | null): Promise<boolean> {
      const result = await db
        .updateTable('workspaces')
        .set({ api_rate_limit: limit })
        .where('id', '=', workspaceId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async findWorkspace(workspaceId: string): Promise<WorkspaceRecord | undefined> {
      const row = await db
        .selectFrom('workspaces')
        .select(['id', 'name', 'enabled', 'created_at'])
        .where('id', '=', workspaceId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return row && { id: row.id, name: row.name, enabled: bool(row.enabled), createdAt: Number(row.created_at) };
    },
  };
}
