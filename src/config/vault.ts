import { dirname, resolve } from 'node:path';
import { isPostgresUrl } from '../core/database-url.js';
import { SETTINGS } from '../settings.js';
import { parseMasterKeys } from '../vault/master-keys.js';
import { isLoopbackHost, MIN_VAULT_TOKEN_CHARS } from '../vault/vault.js';
import { file, integer, text } from './parse.js';
import type { Config } from './types.js';
import { databaseSetting } from './urls.js';

/**
 * The vault's settings (recoverable keys, src/vault), apart from loadConfig (config.ts): they are checked against
 * each other (a local vault or a remote one, never both; its store apart from the main database).
 */

type VaultConfig = Pick<
  Config,
  | 'masterKeys'
  | 'vaultDir'
  | 'vaultDatabaseUrl'
  | 'vaultUrl'
  | 'vaultToken'
  | 'vaultCaFile'
  | 'vaultHost'
  | 'vaultPort'
  | 'vaultTlsCertFile'
  | 'vaultTlsKeyFile'
  | 'vaultDekMaxEncryptions'
>;

/** The KEYWARD_MASTER_KEYS and KEYWARD_VAULT_* variables. Secret values are never echoed in a problem. */
export function vaultConfig(env: NodeJS.ProcessEnv, dataDir: string, databaseUrl: string, problems: string[]): VaultConfig {
  const master = parseMasterKeys(text(env, 'KEYWARD_MASTER_KEYS'));
  problems.push(...master.problems);
  const vaultDir = resolve(text(env, 'KEYWARD_VAULT_DIR') || resolve(dataDir, 'vault'));

  const rawStore = text(env, 'KEYWARD_VAULT_DATABASE_URL');
  if (rawStore !== '' && text(env, 'KEYWARD_VAULT_DIR')) problems.push('Set KEYWARD_VAULT_DIR or KEYWARD_VAULT_DATABASE_URL, not both');
  const vaultDatabaseUrl = databaseSetting(env, 'KEYWARD_VAULT_DATABASE_URL', resolve(vaultDir, 'vault.sqlite'), problems);
  // The split is the point: wrapped data keys must not sit with the ciphertexts they protect.
  const storeUsed = master.keys.length > 0 || rawStore !== '';
  if (!storeUsed) {
    // No vault in this process: where its store would be does not matter.
  } else if (vaultDatabaseUrl === databaseUrl)
    problems.push('KEYWARD_VAULT_DATABASE_URL must name a database apart from KEYWARD_DATABASE_URL');
  else if (!isPostgresUrl(vaultDatabaseUrl) && !isPostgresUrl(databaseUrl) && dirname(vaultDatabaseUrl) === dirname(databaseUrl)) {
    problems.push('The vault store must be in a directory of its own, not beside the main SQLite database (see KEYWARD_VAULT_DIR)');
  }

  const vaultUrl = text(env, 'KEYWARD_VAULT_URL') || null;
  const vaultToken = text(env, 'KEYWARD_VAULT_TOKEN') || null;
  if (vaultUrl !== null) {
    let url: URL | undefined;
    try {
      url = new URL(vaultUrl);
    } catch {
      problems.push('KEYWARD_VAULT_URL must be an https:// URL (or http:// to a loopback address)');
    }
    if (url) {
      if (url.username || url.password)
        problems.push('KEYWARD_VAULT_URL must not carry credentials; the token goes in KEYWARD_VAULT_TOKEN');
      else if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
        problems.push('KEYWARD_VAULT_URL may use plain http:// only for a loopback address; use https://');
      } else if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        problems.push('KEYWARD_VAULT_URL must be an https:// URL (or http:// to a loopback address)');
      }
    }
    if (vaultToken === null) problems.push('KEYWARD_VAULT_URL needs KEYWARD_VAULT_TOKEN');
    // API nodes that use a remote vault must never hold master keys or the vault store themselves.
    if (master.keys.length > 0)
      problems.push('Set KEYWARD_MASTER_KEYS (a vault in this process) or KEYWARD_VAULT_URL (a remote vault), not both');
    if (rawStore !== '') problems.push('KEYWARD_VAULT_DATABASE_URL belongs to the vault process, not to a node using KEYWARD_VAULT_URL');
  }
  if (vaultToken !== null && (vaultToken.length < MIN_VAULT_TOKEN_CHARS || !/^[\x21-\x7e]+$/.test(vaultToken))) {
    problems.push(`KEYWARD_VAULT_TOKEN must be at least ${MIN_VAULT_TOKEN_CHARS} printable characters without spaces`);
  }

  const vaultHost = text(env, 'KEYWARD_VAULT_HOST') || SETTINGS.KEYWARD_VAULT_HOST.default;
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(vaultHost)) problems.push(`KEYWARD_VAULT_HOST must be a host name or IP address, got "${vaultHost}"`);
  const vaultTlsCertFile = file(env, 'KEYWARD_VAULT_TLS_CERT');
  const vaultTlsKeyFile = file(env, 'KEYWARD_VAULT_TLS_KEY');
  if ((vaultTlsCertFile === null) !== (vaultTlsKeyFile === null))
    problems.push('Set both KEYWARD_VAULT_TLS_CERT and KEYWARD_VAULT_TLS_KEY, or neither');

  return {
    masterKeys: Object.freeze(master.keys.map((k) => Object.freeze(k))),
    vaultDir,
    vaultDatabaseUrl,
    vaultUrl,
    vaultToken,
    vaultCaFile: file(env, 'KEYWARD_VAULT_CA'),
    vaultHost,
    vaultPort: integer(env, 'KEYWARD_VAULT_PORT', SETTINGS.KEYWARD_VAULT_PORT.default, 0, 65535, problems),
    vaultTlsCertFile,
    vaultTlsKeyFile,
    // Far below the 2^32 random-nonce limit for AES-GCM (NIST SP 800-38D).
    vaultDekMaxEncryptions: integer(
      env,
      'KEYWARD_VAULT_DEK_MAX_ENCRYPTIONS',
      SETTINGS.KEYWARD_VAULT_DEK_MAX_ENCRYPTIONS.default,
      1,
      2 ** 30,
      problems,
    ),
  };
}
