import { parseArgs } from 'node:util';
import { ConfigError, loadConfig, type Config } from '../config.js';
import { VERSION } from '../version.js';
import type { CliCommand } from './command.js';
import {
  auditCli,
  backupCli,
  bootstrapCli,
  certCli,
  importCli,
  migrateCli,
  operatorCli,
  restoreCli,
  rootKeyCli,
  startCli,
  usageCli,
  vaultCli,
  workspaceLimitCli,
  workspacesCli,
} from './commands.js';
import { commandHelp, commandsHelp, settingsHelp, synopsisEntry, usageOf } from './help.js';
import { OPTIONS, type OptionName } from './options.js';

/** Every command, in the order `keyward --help` lists them. */
export const COMMANDS: readonly CliCommand[] = [
  startCli,
  migrateCli,
  bootstrapCli,
  workspacesCli,
  workspaceLimitCli,
  rootKeyCli,
  operatorCli,
  vaultCli,
  importCli,
  certCli,
  auditCli,
  usageCli,
  backupCli,
  restoreCli,
];

export const HELP = `keyward ${VERSION}: self-hosted API key management and rate limiting (Unkey v2 compatible)

Usage: keyward <command> [options]

Commands:
${commandsHelp(COMMANDS)}${synopsisEntry('help [<command>]', "Show this help, or that command's usage and options.")}
Options:
  -h, --help         Show this help; after a command, that command's usage and options.
  -v, --version      Print the version.

Configuration is read from these environment variables (README.md says more):
${settingsHelp()}`;

const byName = new Map(COMMANDS.map((command) => [command.name, command]));

/** Parses the command line, loads the configuration once, and runs one command; returns the exit code. */
export async function runCli(argv: string[]): Promise<number | undefined> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, options: OPTIONS, tokens: true });
  } catch (error) {
    process.stderr.write(`keyward: ${(error as Error).message}\n\n${HELP}`);
    return 2;
  }
  const [name = 'help', ...rest] = parsed.positionals;
  if (parsed.values.version) {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  if (name === 'help' && rest.length > 0) return help(rest.join(' '));
  if (name === 'help' || (parsed.values.help && !byName.has(name))) {
    process.stdout.write(HELP);
    return 0;
  }
  if (parsed.values.help) return help(name);
  const command = byName.get(name);
  if (command?.positionals !== undefined && ![command.positionals].flat().includes(rest.length)) {
    process.stderr.write(`keyward: usage: ${usageOf(command)}\n`);
    return 2;
  }
  if (!command || (command.positionals === undefined && rest.length > 0)) {
    process.stderr.write(`keyward: unknown command "${[name, ...rest].join(' ')}"\n\n${HELP}`);
    return 2;
  }
  // An option the command does not declare would be ignored silently; its help lists the ones it takes.
  const taken = new Set(command.options?.map((o) => o.option));
  const stray = parsed.tokens.find((token) => token.kind === 'option' && !taken.has(token.name as OptionName));
  if (stray?.kind === 'option') {
    process.stderr.write(`keyward: ${name} takes no ${stray.rawName} option\nusage: ${usageOf(command)}\n`);
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
  const {
    json,
    workspace,
    name: rootKeyName,
    permission,
    environment,
    grace,
    api,
    algorithm,
    migration,
    'self-signed': selfSigned,
    force,
    key,
    identity,
    since,
    interval,
    email,
    role,
    workers,
  } = parsed.values;
  return command.run(config, {
    json,
    positionals: rest,
    workspace,
    name: rootKeyName,
    permission,
    environment,
    grace,
    api,
    algorithm,
    migration,
    selfSigned,
    force,
    key,
    identity,
    since,
    interval,
    email,
    role,
    workers,
  });
}

/** `keyward <command> --help` and `keyward help <command>`: that command's help on stdout, without loading the configuration. */
function help(name: string): number {
  const command = byName.get(name);
  if (!command) {
    process.stderr.write(`keyward: unknown command "${name}"\n\n${HELP}`);
    return 2;
  }
  process.stdout.write(commandHelp(command));
  return 0;
}
