import { createInterface } from 'node:readline';
import type { Config } from '../config.js';
import { systemClock } from '../core/clock.js';
import { KeywardError } from '../core/errors.js';
import { isOperatorRole, OPERATOR_ROLES } from '../core/operator-roles.js';
import { OperatorAdminService } from '../services/operators/operator-admin.js';
import { openMainStore } from '../storage/open-configured.js';
import type { CliCommand } from './command.js';
import { usageOf } from './help.js';

export const operatorCli: CliCommand = {
  name: 'operator',
  forms: [
    {
      args: 'create --email <email> --workspace <id> --role <admin|member|read_only>',
      summary:
        'Create a dashboard operator in a workspace (scripted set-ups). The password is read from standard input (or asked for ' +
        'on a terminal); the operator enrols its authenticator at its first sign-in. Audited.',
    },
    {
      args: 'reset-mfa --email <email>',
      summary: "Remove an operator's authenticator and recovery codes and end its sessions: it enrols again at its next sign-in. Audited.",
    },
  ],
  details: 'These act as Keyward itself (audited as the system actor `cli`). Passwords are 12 to 256 characters.',
  positionals: 1,
  options: [
    { option: 'email', value: '<email>', description: "The operator's email (compared case-insensitively)." },
    { option: 'workspace', value: '<id>', description: 'The workspace the new operator belongs to (create).' },
    { option: 'role', value: '<role>', description: `One of ${OPERATOR_ROLES.join(', ')} (create).` },
  ],
  settings: ['KEYWARD_DATA_DIR', 'KEYWARD_DATABASE_URL', 'KEYWARD_PUBLIC_URL'],
  run: (config, args) => operatorCommand(config, args),
};

export const OPERATOR_USAGE = usageOf(operatorCli);

const usage = (problem: string): number => {
  process.stderr.write(`keyward: ${problem}\nusage: ${OPERATOR_USAGE}\n`);
  return 2;
};

/** The password: standard input's first line when piped; on a terminal, asked for without echoing it. */
async function readPassword(): Promise<string> {
  const rl = createInterface({
    input: process.stdin,
    output: process.stdin.isTTY ? process.stderr : undefined,
    terminal: process.stdin.isTTY,
  });
  if (process.stdin.isTTY) {
    process.stderr.write('Password (12 to 256 characters): ');
    // Nothing typed is echoed.
    (rl as unknown as { _writeToOutput: (text: string) => void })._writeToOutput = () => {};
  }
  try {
    for await (const line of rl) return line;
    return '';
  } finally {
    rl.close();
    if (process.stdin.isTTY) process.stderr.write('\n');
  }
}

/** `keyward operator create|reset-mfa`. */
export async function operatorCommand(
  config: Readonly<Config>,
  args: { positionals: string[]; email?: string; workspace?: string; role?: string },
): Promise<number> {
  const [subcommand] = args.positionals;
  if (subcommand !== 'create' && subcommand !== 'reset-mfa') return usage(`unknown subcommand "${subcommand}"`);
  if (!args.email) return usage('--email is required');
  if (subcommand === 'create') {
    if (!args.workspace) return usage('--workspace is required');
    if (!args.role || !isOperatorRole(args.role)) return usage(`--role must be one of ${OPERATOR_ROLES.join(', ')}`);
  }
  const password = subcommand === 'create' ? await readPassword() : '';
  const store = await openMainStore(config);
  try {
    const operators = new OperatorAdminService({ store, clock: systemClock });
    if (subcommand === 'reset-mfa') {
      if (!(await operators.resetMfa(args.email))) {
        process.stderr.write(`keyward: no operator "${args.email}"\n`);
        return 1;
      }
      process.stdout.write(`Operator ${args.email.toLowerCase()}: MFA removed and sessions ended; it enrols again at its next sign-in.\n`);
      return 0;
    }
    const operatorId = await operators.createFromCli({
      email: args.email,
      password,
      workspaceId: args.workspace!,
      role: args.role as (typeof OPERATOR_ROLES)[number],
    });
    const where = config.publicUrl ?? `http://${config.host}:${config.port}`;
    process.stdout.write(
      `Created operator ${operatorId} (${args.email.toLowerCase()}), ${args.role} of ${args.workspace}.\n` +
        `Sign in at ${where}/dashboard with this email and password; the first sign-in enrols an authenticator app (TOTP).\n`,
    );
    return 0;
  } catch (error) {
    if (error instanceof KeywardError) {
      process.stderr.write(`keyward: ${error.detail}\n`);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
}
