import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { VERSION } from '../version.js';
import { bootstrapCommand } from './bootstrap.js';
import { settingsHelp } from './help.js';
import { IMPORT_USAGE, importCommand } from './import.js';
import { migrateCommand } from './migrate.js';
import { ROOT_KEY_USAGE, rootKeyCommand } from './root-key.js';
import { startCommand } from './start.js';
import { VAULT_USAGE, vaultCommand } from './vault.js';
import { WORKSPACE_LIMIT_USAGE, workspaceLimitCommand } from './workspace-limit.js';

export const HELP = `keyward ${VERSION}: self-hosted API key management and rate limiting (Unkey v2 compatible)

Usage: keyward <command> [options]

Commands:
  start              Serve the HTTP API. Applies pending migrations first. On the very first start
                     of an empty store it creates a workspace and prints its root key, once.
  migrate            Apply pending database migrations and exit.
  bootstrap [--json] Create a new workspace with a root key holding every permission. With --json,
                     print exactly {"workspaceId": "...", "rootKey": "..."} on stdout.
  workspace-limit <workspaceId> <requestsPerMinute|off>
                     Set one workspace's API rate limit (requests per minute, 0 refuses every
                     request), or "off" to fall back to KEYWARD_WORKSPACE_RATE_LIMIT. Audited.
  root-key create --workspace <id> --name <name> --permission <p> [--permission <p> ...] [--json]
                     Create a root key holding exactly these permissions (each one Keyward knows:
                     see rootKeys.listPermissions). Prints the key once; with --json exactly
                     {"rootKeyId": "...", "rootKey": "..."}. Audited.
  root-key list --workspace <id> [--json]
                     List a workspace's root keys: id, start, name, expiry, permissions (never a secret).
  root-key revoke <rootKeyId>
                     Revoke a root key, audited. Servers sharing KEYWARD_REDIS_URL refuse it at once.
  vault init         Print a new master key (the next version) alone on the last line of stdout,
                     exactly as a KEYWARD_MASTER_KEYS entry; what to do next goes to stderr.
  vault rotate       Re-wrap every data key under the newest master key (progress on stderr) while
                     servers keep serving; afterwards older versions can leave KEYWARD_MASTER_KEYS.
  vault serve        Run the vault as its own process (KEYWARD_VAULT_HOST/PORT, bearer token
                     KEYWARD_VAULT_TOKEN, HTTPS with KEYWARD_VAULT_TLS_CERT/KEY); API nodes then use
                     it through KEYWARD_VAULT_URL and hold no master key.
  import FILE --api <apiId> --workspace <id> [--algorithm sha256_base64|sha256_hex|prefixed_api_key]
       [--migration <id>] [--json]
                     Import keys by hash from a JSON array or a CSV export (header row: hash, name,
                     externalId, meta, expires, enabled, remaining, ...) into an API, in batches, audited.
                     Progress on stderr, a summary on stdout; running it again imports nothing new.
  help               Show this help.

Options:
  -h, --help         Show this help.
  -v, --version      Print the version.

Configuration is read from these environment variables (README.md says more):
${settingsHelp()}`;

type Command = (
  config: Readonly<Config>,
  args: {
    json: boolean; positionals: string[]; workspace?: string; name?: string; permission?: string[];
    api?: string; algorithm?: string; migration?: string;
  },
) => Promise<number | undefined>;

const COMMANDS: Record<string, Command> = {
  start: startCommand,
  migrate: migrateCommand,
  bootstrap: bootstrapCommand,
  'workspace-limit': workspaceLimitCommand,
  'root-key': rootKeyCommand,
  vault: vaultCommand,
  import: importCommand,
};

/** Commands that take positional arguments: how many (or which counts), and how to call them. The others take none. */
const POSITIONAL: Record<string, { count: number | number[]; usage: string }> = {
  'workspace-limit': { count: 2, usage: WORKSPACE_LIMIT_USAGE },
  // A subcommand, and for `revoke` an id; the command checks which.
  'root-key': { count: [1, 2], usage: ROOT_KEY_USAGE },
  vault: { count: 1, usage: VAULT_USAGE },
  import: { count: 1, usage: IMPORT_USAGE },
};

/** Parses the command line, loads the configuration once, and runs one command; returns the exit code. */
export async function runCli(argv: string[]): Promise<number | undefined> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        json: { type: 'boolean', default: false },
        // root-key create/list
        workspace: { type: 'string' },
        name: { type: 'string' },
        permission: { type: 'string', multiple: true },
        // import
        api: { type: 'string' },
        algorithm: { type: 'string' },
        migration: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
        version: { type: 'boolean', short: 'v', default: false },
      },
    });
  } catch (error) {
    process.stderr.write(`keyward: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const [name = 'help', ...rest] = parsed.positionals;
  if (parsed.values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (parsed.values.help || name === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  const command = COMMANDS[name];
  const positional = POSITIONAL[name];
  if (command && positional && ![positional.count].flat().includes(rest.length)) {
    process.stderr.write(`keyward: usage: ${positional.usage}\n`);
    return 2;
  }
  if (!command || (!positional && rest.length > 0)) {
    process.stderr.write(`keyward: unknown command "${[name, ...rest].join(' ')}"\n\n${HELP}`);
    return 2;
  }
  let config: Readonly<Config>;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`keyward: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
  const { workspace, name: rootKeyName, permission, api, algorithm, migration } = parsed.values;
  return command(config, { json: parsed.values.json ?? false, positionals: rest, workspace, name: rootKeyName, permission, api, algorithm, migration });
}
