import type { Config } from '../config.js';
import { openingSetting } from '../setting-error.js';
import { openSqlVaultStore } from '../vault/sql-store.js';
import type { PostgresOptions } from './postgres/open.js';
import { openSqlStore } from './sql/sql-store.js';

/**
 * The main store of KEYWARD_DATABASE_URL; a failure to open it names the setting (src/setting-error.ts). On SQLite, its
 * memory map is KEYWARD_SQLITE_MMAP_MB.
 */
export function openMainStore(config: Pick<Config, 'databaseUrl' | 'sqliteMmapBytes'>, postgres?: PostgresOptions) {
  return openingSetting('KEYWARD_DATABASE_URL', config.databaseUrl, () =>
    openSqlStore(config.databaseUrl, postgres, { mmapBytes: config.sqliteMmapBytes }),
  );
}

/** The vault store of KEYWARD_VAULT_DATABASE_URL (or under KEYWARD_VAULT_DIR); a failure to open it names the setting. */
export function openVaultStore(config: Pick<Config, 'vaultDatabaseUrl'>) {
  return openingSetting('KEYWARD_VAULT_DATABASE_URL', config.vaultDatabaseUrl, () => openSqlVaultStore(config.vaultDatabaseUrl));
}
