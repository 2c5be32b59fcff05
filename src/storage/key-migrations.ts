import type { NewKeyRow } from './keys.js';

/** Key migrations: keys imported under another hash scheme (keys.migrateKeys, and keys.verifyKey with a migrationId). */

/** A key migration: the hash scheme of the keys imported under it (src/core/key-migration.ts names them). */
export interface KeyMigrationRecord {
  id: string;
  workspaceId: string;
  algorithm: string;
  createdAt: number;
}

/** An imported key still waiting for its first verification, as that verification needs it. */
export interface PendingMigratedKey {
  id: string;
  apiId: string;
  /** The imported hash it is stored under. */
  hash: string;
}

export interface KeyMigrationOps {
  insertKeyMigration(row: KeyMigrationRecord): Promise<void>;
  /** The migration with this id in this workspace. */
  findKeyMigration(workspaceId: string, migrationId: string): Promise<KeyMigrationRecord | undefined>;
  /** The workspace's migrations, oldest first. */
  listKeyMigrations(workspaceId: string): Promise<KeyMigrationRecord[]>;
  /** Those of these hashes some key of this workspace already has, live or deleted (a hash is unique per workspace). */
  findTakenKeyHashes(workspaceId: string, hashes: readonly string[]): Promise<string[]>;
  /** Inserts an imported key pending its migration; false (writing nothing) if its workspace has its hash (race-safe). */
  insertMigratedKey(row: NewKeyRow & { pendingMigrationId: string }): Promise<boolean>;
  /** The live key of a live API in this workspace stored under this hash and still pending this migration. */
  findPendingMigratedKey(workspaceId: string, migrationId: string, hash: string): Promise<PendingMigratedKey | undefined>;
  /**
   * Ends the migration of the workspace's pending key: moves it from `fromHash` to `hash` with its real start (and
   * prefix, when given), in one statement. `gone` if it is no longer a live pending key under `fromHash` (another
   * verification got there first); `conflict` if another key of its workspace, even a deleted one, already has
   * `hash`. Meant for a transaction (with its audit record): a conflict is found by a read first, so the statement
   * is not refused; only a key taking `hash` at that very moment makes it fail, which ends a PostgreSQL
   * transaction, so write nothing after a `conflict`.
   */
  completeKeyMigration(
    workspaceId: string,
    keyId: string,
    change: { fromHash: string; hash: string; start: string; prefix: string | null },
    now: number,
  ): Promise<'completed' | 'gone' | 'conflict'>;
}
