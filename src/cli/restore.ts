import { existsSync } from 'node:fs';
import type { Config } from '../config.js';
import { isPostgresUrl } from '../core/database-url.js';
import { holdsData, openElsewhere, replaceWith, requireSqliteWith } from '../storage/sqlite/online-copy.js';
import { analyticsBackupOf, POSTGRES_BACKUP_DOCS, vaultBackupOf } from './backup.js';

/**
 * `keyward restore FILE [--force]`: puts what `keyward backup FILE` wrote back where this configuration keeps its
 * stores. Everything is checked before anything is replaced, so a refusal changes no data.
 */

export async function restoreCommand(config: Readonly<Config>, file: string, force: boolean): Promise<number> {
  const refuse = (why: string) => {
    process.stderr.write(`keyward restore: ${why}\n`);
    return 1;
  };
  if (isPostgresUrl(config.databaseUrl)) return refuse(`KEYWARD_DATABASE_URL is a PostgreSQL database: ${POSTGRES_BACKUP_DOCS}`);
  const copies = [{ backup: file, target: config.databaseUrl, table: 'kysely_migration', what: 'main database' }];
  const vaultFile = vaultBackupOf(file);
  if (existsSync(vaultFile)) {
    if (config.vaultUrl !== null || isPostgresUrl(config.vaultDatabaseUrl))
      return refuse(
        `${vaultFile} is a local vault store, but this node's vault store is not a local file (KEYWARD_VAULT_URL / KEYWARD_VAULT_DATABASE_URL)`,
      );
    copies.push({ backup: vaultFile, target: config.vaultDatabaseUrl, table: 'vault_deks', what: 'vault store' });
  }
  const analyticsFile = analyticsBackupOf(file);
  if (existsSync(analyticsFile) && config.analyticsDatabaseUrl !== null) {
    // A table every analytics schema has (src/analytics/sqlite-file.ts): since schema 3 the raw events' name is a view.
    copies.push({
      backup: analyticsFile,
      target: config.analyticsDatabaseUrl,
      table: 'analytics_verifications_per_minute',
      what: 'analytics file',
    });
  }
  for (const { backup, target, table, what } of copies) {
    if (!existsSync(backup)) return refuse(`there is no ${backup}`);
    try {
      requireSqliteWith(backup, table);
    } catch (error) {
      return refuse(`${backup} is not a ${what} backup: ${(error as Error).message}`);
    }
    if (!force && holdsData(target)) return refuse(`${target} already holds data; add --force to replace it`);
    if (openElsewhere(target)) return refuse(`${target} is open in another process (a running server?): stop it first`);
  }
  for (const { backup, target, what } of copies) {
    try {
      replaceWith(backup, target);
    } catch (error) {
      return refuse(`restoring the ${what} into ${target} failed: ${(error as Error).message}`);
    }
    process.stdout.write(`Restored the ${what} from ${backup} into ${target}\n`);
  }
  if (!copies.some((copy) => copy.what === 'vault store')) process.stdout.write(`No ${vaultFile}: the vault store was left as it is.\n`);
  if (!copies.some((copy) => copy.what === 'analytics file')) {
    process.stdout.write(`No ${analyticsFile}: the analytics file was left as it is.\n`);
  }
  return 0;
}
