import { existsSync, readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { isPostgresUrl } from '../core/database-url.js';
import { VaultConfigError } from '../vault/errors.js';
import { checkVaultStore } from '../vault/local.js';
import { generateMasterKey, MasterKeyring } from '../vault/master-keys.js';
import { openLocalVault } from '../vault/open.js';
import { rewrapAll } from '../vault/rotation.js';
import { createVaultServer } from '../vault/server.js';
import { openVaultStore } from '../storage/open-configured.js';
import { usageOf } from './help.js';
import { pauseOnlyAtPausePoints } from './pause-point.js';
import { progressBar } from './progress.js';
import { vaultCli } from './commands.js';

/**
 * `keyward vault init | rotate | serve`: master keys and the vault process. They run where the master keys
 * and the vault store are (the API nodes themselves, or the vault host when API nodes use KEYWARD_VAULT_URL).
 */

export const VAULT_USAGE = usageOf(vaultCli);

export async function vaultCommand(config: Readonly<Config>, args: { positionals: string[] }): Promise<number | undefined> {
  const [action] = args.positionals;
  try {
    switch (action) {
      case 'init':
        return await init(config);
      case 'rotate':
        return await rotate(config);
      case 'serve':
        return await serve(config);
      default:
        process.stderr.write(`keyward: usage: ${VAULT_USAGE}\n`);
        return 2;
    }
  } catch (error) {
    if (error instanceof VaultConfigError) {
      process.stderr.write(`keyward vault ${action}: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

/** Refuses, clearly, on a node that uses a remote vault: these commands belong where the master keys are. */
function requireLocal(config: Readonly<Config>, action: string): void {
  if (config.vaultUrl !== null) {
    throw new VaultConfigError(
      `this node uses the vault at KEYWARD_VAULT_URL; run \`keyward vault ${action}\` on the vault host, with its KEYWARD_MASTER_KEYS and store`,
    );
  }
}

/**
 * Prints a new master key, alone on the last line of stdout, exactly as a KEYWARD_MASTER_KEYS entry: the
 * next version after every configured one (and every one the local vault store already uses).
 */
async function init(config: Readonly<Config>): Promise<number> {
  requireLocal(config, 'init');
  const versions = config.masterKeys.map((k) => k.version);
  // A store that already exists may use versions no longer configured; a new key must not reuse one.
  if (config.vaultUrl === null && (isPostgresUrl(config.vaultDatabaseUrl) || existsSync(config.vaultDatabaseUrl))) {
    const store = await openVaultStore(config);
    try {
      versions.push(...(await store.masterVersionsInUse()));
    } finally {
      await store.close();
    }
  }
  const version = versions.length === 0 ? 1 : Math.max(...versions) + 1;
  const entry = generateMasterKey(version);
  // The key itself goes to stdout only, so it can be piped into a secret manager; stderr says what comes next.
  const list = [...config.masterKeys.map((k) => `${k.version}:<as configured>`), '<the line on stdout>'].join(',');
  process.stderr.write(
    `New master key, version ${version}: store it in your secret manager, never beside the databases.\n` +
      `Then set KEYWARD_MASTER_KEYS=${list} everywhere the vault runs, restart those processes, and run \`keyward vault rotate\`.\n`,
  );
  process.stdout.write(`${entry}\n`);
  return 0;
}

/** How long a rotation leaves the vault store unlocked after each batch: more than SQLite's longest busy-handler sleep. */
const WRITERS_TURN_MS = 110;

/** Re-wraps every data key under the newest master key, with a progress bar on stderr; servers keep serving. */
async function rotate(config: Readonly<Config>): Promise<number> {
  requireLocal(config, 'rotate');
  const keyring = new MasterKeyring(config.masterKeys);
  const store = await openVaultStore(config);
  try {
    await checkVaultStore(store, keyring);
    const bar = progressBar(process.stderr, `Re-wrapping data keys under master key version ${keyring.newest.version}`);
    // Ctrl-Z pauses between batches only, never inside a write the servers' own vault writes would queue behind.
    const pauses = pauseOnlyAtPausePoints();
    let report;
    try {
      report = await rewrapAll(store, keyring, {
        onProgress: bar.update,
        betweenBatches: async () => {
          await pauses.pausePoint();
          // Each re-wrap is its own short transaction, but the next begins at once: a server's vault write waiting in
          // SQLite's busy handler (which sleeps up to 100 ms between tries) could miss every gap and wait out the
          // whole rotation, its event loop blocked meanwhile. Leaving the lock free longer than that sleep once a
          // batch lets every waiting write in (test/vault-rotation.test.ts).
          await new Promise((resolve) => setTimeout(resolve, WRITERS_TURN_MS));
        },
      });
    } finally {
      pauses.dispose();
    }
    bar.done();
    const older = keyring.versions().filter((v) => v !== report.version && !report.versionsInUse.includes(v));
    process.stdout.write(`Re-wrapped ${report.rewrapped} data key(s) under master key version ${report.version}.\n`);
    if (report.failed.length > 0) {
      process.stdout.write(
        `${report.failed.length} data key(s) did not unwrap and were left as they were: ${report.failed.join(', ')}. ` +
          'Keep their master key versions configured and check the vault store against its backup.\n',
      );
      return 1;
    }
    if (older.length > 0) {
      process.stdout.write(`No data key uses master key version(s) ${older.join(', ')} any more: remove them from KEYWARD_MASTER_KEYS.\n`);
    }
    return 0;
  } finally {
    await store.close();
  }
}

/** Serves encrypt/decrypt to API nodes (KEYWARD_VAULT_URL) until SIGINT or SIGTERM. */
async function serve(config: Readonly<Config>): Promise<number | undefined> {
  requireLocal(config, 'serve');
  if (config.masterKeys.length === 0)
    throw new VaultConfigError('set KEYWARD_MASTER_KEYS: the vault process is where the master keys live');
  if (config.vaultToken === null) throw new VaultConfigError('set KEYWARD_VAULT_TOKEN: API nodes authenticate with it');
  const tls =
    config.vaultTlsCertFile && config.vaultTlsKeyFile
      ? { cert: readFileSync(config.vaultTlsCertFile), key: readFileSync(config.vaultTlsKeyFile) }
      : undefined;
  // The logger exists only with the server; a vault that fails to open never logs.
  let log: { warn(fields: Record<string, unknown>, message: string): void } | undefined;
  const vault = await openLocalVault(config, { logger: { warn: (fields, message) => log?.warn(fields, message) } });
  let server;
  try {
    server = await createVaultServer({
      vault,
      token: config.vaultToken,
      host: config.vaultHost,
      port: config.vaultPort,
      logLevel: config.logLevel,
      ...(tls ? { tls } : {}),
    });
  } catch (error) {
    await vault.close();
    throw error;
  }
  log = server.app.log;
  const address = await server.listen();
  process.stdout.write(
    `Keyward vault listening on ${address} (master key versions ${config.masterKeys.map((k) => k.version).join(', ')})\n`,
  );
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    server
      .close()
      .then(() => vault.close())
      .then(
        () => process.exit(0),
        () => process.exit(1),
      );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return undefined;
}
