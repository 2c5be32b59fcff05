import type { KeyMigrationOps, KeyMigrationRecord, NewKeyRow, PendingMigratedKey } from '../store.js';
import type { SqlDialect } from './dialect.js';
import { newKeyValues } from './keys.js';
import type { Executor } from './shared.js';
import type { Tables } from './tables.js';

export function keyMigrationSql(db: Executor, dialect: SqlDialect): KeyMigrationOps {
  return {
    async insertKeyMigration(row: KeyMigrationRecord): Promise<void> {
      await db
        .insertInto('key_migrations')
        .values({ id: row.id, workspace_id: row.workspaceId, algorithm: row.algorithm, created_at: row.createdAt })
        .execute();
    },

    async findKeyMigration(workspaceId: string, migrationId: string): Promise<KeyMigrationRecord | undefined> {
      const row = await db
        .selectFrom('key_migrations')
        .selectAll()
        .where('id', '=', migrationId)
        .where('workspace_id', '=', workspaceId)
        .executeTakeFirst();
      return row && { id: row.id, workspaceId: row.workspace_id, algorithm: row.algorithm, createdAt: Number(row.created_at) };
    },

    async listKeyMigrations(workspaceId: string): Promise<KeyMigrationRecord[]> {
      const rows = await db.selectFrom('key_migrations').selectAll().where('workspace_id', '=', workspaceId).orderBy('id').execute();
      return rows.map((row) => ({
        id: row.id,
        workspaceId: row.workspace_id,
        algorithm: row.algorithm,
        createdAt: Number(row.created_at),
      }));
    },

    async findTakenKeyHashes(workspaceId: string, hashes: readonly string[]): Promise<string[]> {
      const unique = [...new Set(hashes)];
      const taken: string[] = [];
      // In slices: SQLite and PostgreSQL both bound the number of parameters in one statement.
      for (let i = 0; i < unique.length; i += 500) {
        const rows = await db
          .selectFrom('keys')
          .select('hash')
          .where('workspace_id', '=', workspaceId)
          .where('hash', 'in', unique.slice(i, i + 500))
          .execute();
        taken.push(...rows.map((row) => row.hash));
      }
      return taken;
    },

    async insertMigratedKey(row: NewKeyRow & { pendingMigrationId: string }): Promise<boolean> {
      // DO NOTHING on the workspace's hash rather than catching the violation: a failed statement would abort a
      // PostgreSQL transaction. The target names the keys_workspace_hash index's columns.
      const result = await db
        .insertInto('keys')
        .values(newKeyValues(row, row.pendingMigrationId))
        .onConflict((oc) => oc.columns(['workspace_id', 'hash']).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async findPendingMigratedKey(workspaceId: string, migrationId: string, hash: string): Promise<PendingMigratedKey | undefined> {
      const row = await db
        .selectFrom('keys as k')
        .innerJoin('apis as a', 'a.id', 'k.api_id')
        .select(['k.id', 'k.api_id', 'k.hash'])
        .where('k.hash', '=', hash)
        .where('k.workspace_id', '=', workspaceId)
        .where('k.pending_migration_id', '=', migrationId)
        .where('k.deleted_at', 'is', null)
        .where('a.deleted_at', 'is', null)
        .executeTakeFirst();
      return row && { id: row.id, apiId: row.api_id, hash: row.hash };
    },

    async completeKeyMigration(
      workspaceId: string,
      keyId: string,
      change: { fromHash: string; hash: string; start: string; prefix: string | null },
      now: number,
    ): Promise<'completed' | 'gone' | 'conflict'> {
      // A read rather than a refused UPDATE: a failed statement would end the caller's PostgreSQL transaction.
      if (change.hash !== change.fromHash) {
        const clash = await db
          .selectFrom('keys')
          .select('id')
          .where('workspace_id', '=', workspaceId)
          .where('hash', '=', change.hash)
          .where('id', '<>', keyId)
          .executeTakeFirst();
        if (clash) return 'conflict';
      }
      const values: Partial<Tables['keys']> = { hash: change.hash, start: change.start, pending_migration_id: null, updated_at: now };
      if (change.prefix !== null) values.prefix = change.prefix;
      try {
        const result = await db
          .updateTable('keys')
          .set(values)
          .where('id', '=', keyId)
          .where('workspace_id', '=', workspaceId)
          .where('hash', '=', change.fromHash)
          .where('pending_migration_id', 'is not', null)
          .where('deleted_at', 'is', null)
          .executeTakeFirst();
        return Number(result.numUpdatedRows) > 0 ? 'completed' : 'gone';
      } catch (error) {
        // Another key took the hash since the read above (see KeyMigrationOps: nothing more may be written).
        if (dialect.isUniqueViolation(error)) return 'conflict';
        throw error;
      }
    },
  };
}
