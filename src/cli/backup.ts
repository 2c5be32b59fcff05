import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import { isPostgresUrl } from '../core/database-url.js';
import { copyLiveDatabase } from '../storage/sqlite/online-copy.js';

/**
 * `keyward backup FILE`: a consistent copy of the SQLite database, of the local vault store when there is one, and of
 * the analytics file (FILE.analytics),
 * taken while servers keep serving (src/storage/sqlite/online-copy.ts says how). Two plain SQLite files rather than
 * one archive: FILE and FILE.vault, so the vault store's copy can be sent somewhere other than the main database's
 * (docs/decisions/0005-vault-split-across-three-places.md), and either opens with any SQLite tool. The master keys
 * are never in a backup.
 */

/** Where `keyward backup FILE` puts the vault store's copy, and where `keyward restore FILE` looks for it. */
export const vaultBackupOf = (file: string): string => `${file}.vault`;

/** Where `keyward backup FILE` puts the analytics file's copy (src/analytics/sqlite-file.ts), and where restore looks for it. */
export const analyticsBackupOf = (file: string): string => `${file}.analytics`;

export const POSTGRES_BACKUP_DOCS =
  'use PostgreSQL\'s own tools (pg_dump and pg_restore, or pg_basebackup with WAL archiving for point-in-time recovery): see docs/operations.md, "Backups"';

export async function backupCommand(config: Readonly<Config>, file: string): Promise<number> {
  const refuse = (why: string) => {
    process.stderr.write(`keyward backup: ${why}\n`);
    return 1;
  };
  if (isPostgresUrl(config.databaseUrl)) return refuse(`KEYWARD_DATABASE_URL is a PostgreSQL database: ${POSTGRES_BACKUP_DOCS}`);
  if (!existsSync(config.databaseUrl))
    return refuse(`there is no database at ${config.databaseUrl} (KEYWARD_DATABASE_URL / KEYWARD_DATA_DIR)`);
  const vaultFile = vaultBackupOf(file);
  const analyticsFile = analyticsBackupOf(file);
  for (const target of [file, vaultFile, analyticsFile])
    if (existsSync(target)) return refuse(`${target} already exists; a backup never replaces a file`);

  // The main database first, then the vault store: a key's ciphertext names a data key made before it was written
  // (src/services/keys/recoverable.ts seals before its transaction), so a later vault copy holds every one it needs.
  const copy = (source: string, target: string) => {
    const started = performance.now();
    const bytes = copyLiveDatabase(source, target);
    return `${bytes} bytes in ${Math.round(performance.now() - started)} ms`;
  };
  try {
    process.stdout.write(`Main database: ${file} (${copy(config.databaseUrl, file)})\n`);
    if (config.vaultUrl !== null) {
      process.stdout.write(`Vault store: not here (KEYWARD_VAULT_URL); back it up where \`keyward vault serve\` runs.\n`);
    } else if (isPostgresUrl(config.vaultDatabaseUrl)) {
      process.stdout.write(`Vault store: KEYWARD_VAULT_DATABASE_URL is PostgreSQL; ${POSTGRES_BACKUP_DOCS}.\n`);
    } else if (existsSync(config.vaultDatabaseUrl)) {
      process.stdout.write(`Vault store: ${vaultFile} (${copy(config.vaultDatabaseUrl, vaultFile)}): keep it apart from ${file}.\n`);
      process.stdout.write('Master keys are not in it: keep every KEYWARD_MASTER_KEYS version this vault store uses.\n');
    }
    // Analytics last: it refers to keys by id only, so a copy taken a moment later than the main one is still coherent.
    if (config.analyticsDatabaseUrl !== null && existsSync(config.analyticsDatabaseUrl)) {
      process.stdout.write(`Analytics: ${analyticsFile} (${copy(config.analyticsDatabaseUrl, analyticsFile)})\n`);
    }
  } catch (error) {
    // A full disk or an unwritable directory: said plainly, and no partial file is left to pass for a backup.
    return refuse(`the copy failed: ${(error as Error).message}`);
  }
  return 0;
}
