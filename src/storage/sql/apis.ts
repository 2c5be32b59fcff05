import type { Selectable, Updateable } from 'kysely';
import type { KeyFormat } from '../../core/key-format.js';
import type { ApiListQuery, ApiOps, ApiRecord, ApiSettingsChange } from '../store.js';
import type { SqlDialect } from './dialect.js';
import { bool, executeFixed, num, pageAfter, parseJson, toJson, type Executor } from './shared.js';
import type { Tables } from './tables.js';

function apiFromRow(row: Selectable<Tables['apis']>): ApiRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    deleteProtection: bool(row.delete_protection),
    storeEncryptedKeys: bool(row.store_encrypted_keys),
    defaultPrefix: row.default_prefix,
    defaultByteLength: row.default_byte_length,
    keyFormat: row.key_format as KeyFormat,
    ipWhitelist: parseJson<string[]>(row.ip_whitelist),
    leakPolicy: row.leak_policy === 'report' ? 'report' : 'disable',
    createdAt: Number(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

export function apiSql(db: Executor, dialect: SqlDialect): ApiOps {
  return {
    async insertApi(api: ApiRecord): Promise<void> {
      await db
        .insertInto('apis')
        .values({
          id: api.id,
          workspace_id: api.workspaceId,
          name: api.name,
          delete_protection: api.deleteProtection ? 1 : 0,
          store_encrypted_keys: api.storeEncryptedKeys ? 1 : 0,
          default_prefix: api.defaultPrefix,
          default_byte_length: api.defaultByteLength,
          key_format: api.keyFormat,
          ip_whitelist: toJson(api.ipWhitelist),
          leak_policy: api.leakPolicy,
          created_at: api.createdAt,
          updated_at: api.updatedAt,
          deleted_at: null,
        })
        .execute();
    },

    async findApi(workspaceId: string, apiId: string): Promise<ApiRecord | undefined> {
      // Every keys.createKey reads it: one fixed text, built once (shared.ts, executeFixed).
      const { rows } = await executeFixed(
        db,
        dialect,
        'findApi',
        () =>
          db
            .selectFrom('apis')
            .selectAll()
            .where('id', '=', apiId)
            .where('workspace_id', '=', workspaceId)
            .where('deleted_at', 'is', null)
            .compile(),
        [apiId, workspaceId],
      );
      return rows[0] ? apiFromRow(rows[0]) : undefined;
    },

    async listApis(q: ApiListQuery): Promise<ApiRecord[]> {
      // `IN ()` is not valid SQL: a caller allowed no API reads none.
      if (q.apiIds !== undefined && q.apiIds.length === 0) return [];
      const rows = await db
        .selectFrom('apis')
        .selectAll()
        .where('workspace_id', '=', q.workspaceId)
        .where('deleted_at', 'is', null)
        .$call((qb) => (q.apiIds === undefined ? qb : qb.where('id', 'in', [...q.apiIds])))
        .$call(pageAfter(q))
        .execute();
      return rows.map(apiFromRow);
    },

    async softDeleteApi(workspaceId: string, apiId: string, now: number): Promise<void> {
      await db
        .updateTable('apis')
        .set({ deleted_at: now, updated_at: now })
        .where('id', '=', apiId)
        .where('workspace_id', '=', workspaceId)
        .execute();
      // Its keys are deleted with it. Lookups already hide them (they join live APIs), but a credit charge in flight
      // that waited for its key's row on PostgreSQL re-reads only that row (sql/credits.ts): marking the row is what
      // refuses it.
      await db
        .updateTable('keys')
        .set({ deleted_at: now, updated_at: now })
        .where('api_id', '=', apiId)
        .where('workspace_id', '=', workspaceId)
        .where('deleted_at', 'is', null)
        .execute();
    },

    async updateApiSettings(workspaceId: string, apiId: string, settings: ApiSettingsChange, now: number): Promise<void> {
      const values: Updateable<Tables['apis']> = { updated_at: now };
      if (settings.deleteProtection !== undefined) values.delete_protection = settings.deleteProtection ? 1 : 0;
      if (settings.storeEncryptedKeys !== undefined) values.store_encrypted_keys = settings.storeEncryptedKeys ? 1 : 0;
      if (settings.ipWhitelist !== undefined) values.ip_whitelist = toJson(settings.ipWhitelist);
      if (settings.defaultPrefix !== undefined) values.default_prefix = settings.defaultPrefix;
      if (settings.defaultByteLength !== undefined) values.default_byte_length = settings.defaultByteLength;
      if (settings.leakPolicy !== undefined) values.leak_policy = settings.leakPolicy;
      if (settings.keyFormat !== undefined) values.key_format = settings.keyFormat;
      await db.updateTable('apis').set(values).where('id', '=', apiId).where('workspace_id', '=', workspaceId).execute();
    },
  };
}
