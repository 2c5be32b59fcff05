import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { VERSION } from '../version.js';
import { bootstrapCommand } from './bootstrap.js';
import { migrateCommand } from './migrate.js';
import { startCommand } from './start.js';
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
  help               Show this help.

Options:
  -h, --help         Show this help.
  -v, --version      Print the version.

Configuration is read from the environment (see README.md):
  KEYWARD_PORT (7070), KEYWARD_HOST (127.0.0.1), KEYWARD_DATA_DIR (./data),
  KEYWARD_DATABASE_URL (SQLite file in the data dir; postgres://... selects PostgreSQL),
  KEYWARD_LOG_LEVEL (info), KEYWARD_BODY_LIMIT (10485760), KEYWARD_CACHE_SIZE (100000),
  KEYWARD_CACHE_FRESH_MS (60000), KEYWARD_CACHE_STALE_MS (300000),
  KEYWARD_WORKSPACE_RATE_LIMIT (unset: no API rate limit per workspace).
`;

type Command = (config: Readonly<Config>, args: { json: boolean; positionals: string[] }) => Promise<number | undefined>;

const COMMANDS: Record<string, Command> = {
  start: startCommand,
  migrate: migrateCommand,
  bootstrap: bootstrapCommand,
  'workspace-limit': workspaceLimitCommand,
};

/** Commands that take positional arguments: how many, and how to call them. The others take none. */
const POSITIONAL: Record<string, { count: number; usage: string }> = {
  'workspace-limit': { count: 2, usage: WORKSPACE_LIMIT_USAGE },
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
  if (command && positional && rest.length !== positional.count) {
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
  return command(config, { json: parsed.values.json ?? false, positionals: rest });
}
