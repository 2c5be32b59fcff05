import type { RootKeyEnvironment } from '../../core/root-key-environments.js';
import type { ManagedRootKeyRecord, PageQuery, RootKeyOps, RootKeyRecord } from '../store.js';
import { bool, num, pageAfter, softDelete, type Executor } from './shared.js';
import type { Tables } from './tables.js';

function managedRootKeyFromRow(row: Tables['root_keys']): ManagedRootKeyRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    hash: row.hash,
    start: row.start,
    permissions: JSON.parse(row.permissions) as string[],
    expires: num(row.expires),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: num(row.updated_at),
    lastUsedAt: num(row.last_used_at),
    environment: row.environment as RootKeyEnvironment | null,
    retiresAt: num(row.retires_at),
  };
}

export function rootKeySql(db: Executor): RootKeyOps {
  return {
    async insertRootKey(row: Parameters<RootKeyOps['insertRootKey']>[0]): Promise<void> {
      await db
        .insertInto('root_keys')
        .values({
          id: row.id,
          workspace_id: row.workspaceId,
          name: row.name,
          hash: row.hash,
          start: row.start,
          permissions: JSON.stringify(row.permissions),
          enabled: 1,
          created_by: row.createdBy,
          created_at: row.createdAt,
          updated_at: null,
          expires: row.expires,
          last_used_at: null,
          deleted_at: null,
          environment: row.environment ?? null,
          retires_at: null,
        })
        .execute();
    },

    async findRootKeyByHash(hash: string): Promise<RootKeyRecord | undefined> {
      const row = await db
        .selectFrom('root_keys as r')
        .innerJoin('workspaces as w', 'w.id', 'r.workspace_id')
        .select([
          'r.id',
          'r.workspace_id',
          'r.name',
          'r.start',
          'r.permissions',
          'r.enabled',
          'r.expires',
          'r.created_at',
          'r.retires_at',
          'w.enabled as workspace_enabled',
          'w.api_rate_limit as workspace_api_rate_limit',
        ])
        .where('r.hash', '=', hash)
        .where('r.deleted_at', 'is', null)
        .where('w.deleted_at', 'is', null)
        .executeTakeFirst();
      if (!row) return undefined;
      return {
        id: row.id,
        workspaceId: row.workspace_id,
        name: row.name,
        start: row.start,
        permissions: JSON.parse(row.permissions) as string[],
        enabled: bool(row.enabled),
        expires: num(row.expires),
        workspaceEnabled: bool(row.workspace_enabled),
        workspaceApiRateLimit: num(row.workspace_api_rate_limit),
        createdAt: Number(row.created_at),
        retiresAt: num(row.retires_at),
      };
    },

    async findRootKey(workspaceId: string, rootKeyId: string): Promise<ManagedRootKeyRecord | undefined> {
      const row = await db
        .selectFrom('root_keys')
        .selectAll()
        .where('id', '=', rootKeyId)
        .where('workspace_id', '=', workspaceId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return row ? managedRootKeyFromRow(row) : undefined;
    },

    async findRootKeyWorkspace(rootKeyId: string): Promise<string | undefined> {
      const row = await db
        .selectFrom('root_keys')
        .select('workspace_id')
        .where('id', '=', rootKeyId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return row?.workspace_id;
    },

    async listRootKeys(q: PageQuery & { now?: number }): Promise<ManagedRootKeyRecord[]> {
      const { now } = q;
      const rows = await db
        .selectFrom('root_keys')
        .selectAll()
        .where('workspace_id', '=', q.workspaceId)
        .where('deleted_at', 'is', null)
        .$if(now !== undefined, (qb) => qb.where((eb) => eb.or([eb('retires_at', 'is', null), eb('retires_at', '>', now!)])))
        .$call(pageAfter(q))
        .execute();
      return rows.map(managedRootKeyFromRow);
    },

    async updateRootKey(rootKeyId: string, patch: { name?: string; permissions?: string[] }, now: number): Promise<void> {
      const values: Partial<Tables['root_keys']> = { updated_at: now };
      if (patch.name !== undefined) values.name = patch.name;
      if (patch.permissions !== undefined) values.permissions = JSON.stringify(patch.permissions);
      await db.updateTable('root_keys').set(values).where('id', '=', rootKeyId).execute();
    },

    async retireRootKey(rootKeyId: string, at: number): Promise<boolean> {
      const result = await db
        .updateTable('root_keys')
        .set({ retires_at: at })
        .where('id', '=', rootKeyId)
        .where('deleted_at', 'is', null)
        .where('retires_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) === 1;
    },

    softDeleteRootKey(workspaceId: string, rootKeyId: string, now: number): Promise<boolean> {
      return softDelete(db, 'root_keys', workspaceId, rootKeyId, now);
    },
  };
}
