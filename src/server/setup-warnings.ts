import type { Config } from '../config.js';
import { isPostgresUrl } from '../core/database-url.js';
import type { Logger as Pino } from 'pino';
import { readableByOthers } from '../storage/sqlite/file-modes.js';
import type { Engine } from '../storage/store.js';
import type { Vault } from '../vault/vault.js';

/** What an operator should fix in this node's set-up, said once at start; none of it stops the server. */
export function warnAboutSetup(config: Readonly<Config>, engine: Engine, vault: Vault | null, log: Pino): void {
  if (engine === 'sqlite') {
    const exposed = [config.databaseUrl, config.analyticsDatabaseUrl].flatMap((file) => (file === null ? [] : readableByOthers(file)));
    if (exposed.length > 0) {
      log.warn(
        { files: exposed },
        'database files readable by other users of this machine (key hashes, the audit log): chmod 600 them; Keyward creates its own 0600',
      );
    }
  }
  if (vault === null) {
    log.warn(
      'no vault configured: webhook endpoint secrets are stored in the database as they are; with KEYWARD_MASTER_KEYS ' +
        '(or KEYWARD_VAULT_URL) they are sealed by the vault, existing ones at the next periodic job (docs/operations.md, "Webhooks")',
    );
  }
  // A remote vault that cannot be reached does not stop the server (verification never needs it); it is said at once.
  vault
    ?.check()
    .catch((error: unknown) => log.warn({ reason: (error as Error).message }, 'the vault at KEYWARD_VAULT_URL is not usable yet'));
  if (engine === 'postgres' && vault?.kind === 'local' && !isPostgresUrl(config.vaultDatabaseUrl)) {
    log.warn(
      { vaultStore: config.vaultDatabaseUrl },
      'the vault store is a SQLite file on this node while the main database is shared: with several nodes, give them one ' +
        'KEYWARD_VAULT_DATABASE_URL or a KEYWARD_VAULT_URL, or keys made recoverable on one node will not decrypt on another',
    );
  }
}
