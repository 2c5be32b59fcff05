import { createInterface } from 'node:readline';
import type { Config } from '../config.js';
import { systemClock } from '../core/clock.js';
import { KeywardError } from '../core/errors.js';
import { isOperatorRole, OPERATOR_ROLES } from '../core/operator-roles.js';
import { OperatorAdminService } from '../services/operators/operator-admin.js';
import { openMainStore } from '../storage/open-configured.js';
import { usageOf } from './help.js';
import { operatorCli } from './commands.js';

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
