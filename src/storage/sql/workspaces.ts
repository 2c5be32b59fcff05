import type { LiveWorkspace, WorkspaceOps, WorkspaceRecord, WorkspaceSummary } from '../store.js';
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

    async findWorkspace(workspaceId: string): Promise<LiveWorkspace | undefined> {
      const row = await db
        .selectFrom('workspaces')
        .select(['id', 'name', 'enabled', 'created_at', 'api_rate_limit'])
        .where('id', '=', workspaceId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return (
        row && {
          id: row.id,
          name: row.name,
          enabled: bool(row.enabled),
          createdAt: Number(row.created_at),
          apiRateLimit: row.api_rate_limit === null ? null : Number(row.api_rate_limit),
        }
      );
    },

    async listWorkspaces(): Promise<WorkspaceSummary[]> {
      const rows = await db
        .selectFrom('workspaces')
        .select((eb) => [
          'workspaces.id',
          'workspaces.name',
          'workspaces.enabled',
          'workspaces.api_rate_limit',
          'workspaces.created_at',
          eb
            .selectFrom('root_keys')
            .select(eb.fn.countAll().as('count'))
            .whereRef('root_keys.workspace_id', '=', 'workspaces.id')
            .where('root_keys.deleted_at', 'is', null)
            .as('root_keys'),
        ])
        .where('workspaces.deleted_at', 'is', null)
        .orderBy('workspaces.created_at')
        .orderBy('workspaces.id')
        .execute();
      return rows.map((row) => ({
        id: row.id,
        name: row.name,
        enabled: bool(row.enabled),
        createdAt: Number(row.created_at),
        apiRateLimit: row.api_rate_limit,
        // PostgreSQL counts in bigint, which pg reads as a string.
        rootKeys: Number(row.root_keys ?? 0),
      }));
    },
  };
}
