import type { Config } from '../config.js';
import { systemClock } from '../core/clock.js';
import { KeywardError } from '../core/errors.js';
import { rootKeyData } from '../contract/views/root-keys.js';
import { systemContext } from '../services/context.js';
import { RootKeyService } from '../services/root-keys.js';
import { openMainStore } from '../storage/open-configured.js';
import type { ManagedRootKeyRecord } from '../storage/store.js';
import { announcer } from './announcer.js';
import type { CliCommand } from './command.js';
import { usageOf } from './help.js';

export const rootKeyCli: CliCommand = {
  name: 'root-key',
  forms: [
    {
      args: 'create --workspace <id> --name <name> --permission <p> [--permission <p> ...] [--json]',
      summary:
        'Create a root key holding exactly these permissions (each one Keyward knows: see rootKeys.listPermissions). ' +
        'Prints the key once; with --json exactly {"rootKeyId": "...", "rootKey": "..."}. Audited.',
    },
    {
      args: 'list --workspace <id> [--json]',
      summary: "List a workspace's root keys: id, start, name, expiry, permissions (never a secret).",
    },
    { args: 'revoke <rootKeyId>', summary: 'Revoke a root key, audited. Servers sharing KEYWARD_REDIS_URL refuse it at once.' },
  ],
  details: "These act as Keyward itself (audited as the system actor `cli`) with the operator's authority over the workspace.",
  // A subcommand, and for `revoke` an id; the command checks which.
  positionals: [1, 2],
  options: [
    { option: 'workspace', value: '<id>', description: 'The workspace (create, list).' },
    { option: 'name', value: '<name>', description: "The new root key's name (create)." },
    { option: 'permission', value: '<p>', description: 'A permission the new root key holds; repeat it for each (create).' },
    { option: 'json', description: 'Print JSON: {"rootKeyId", "rootKey"} (create), an array of root keys (list).' },
  ],
  settings: ['KEYWARD_DATA_DIR', 'KEYWARD_DATABASE_URL', 'KEYWARD_REDIS_URL'],
  run: (config, args) => rootKeyCommand(config, args),
};

export const ROOT_KEY_USAGE = usageOf(rootKeyCli);

export interface RootKeyArgs {
  json: boolean;
  positionals: string[];
  workspace?: string;
  name?: string;
  permission?: string[];
}

const usage = (problem: string): number => {
  process.stderr.write(`keyward: ${problem}\nusage: ${ROOT_KEY_USAGE}\n`);
  return 2;
};

/**
 * `keyward root-key create|list|revoke`: operator commands. They act as Keyward itself (audited as the system
 * actor `cli`) with the operator's authority over the workspace named, so no escalation check applies; every
 * permission must still be one Keyward knows. The secret of a created key is printed once and nowhere else.
 */
export async function rootKeyCommand(config: Readonly<Config>, args: RootKeyArgs): Promise<number> {
  const [subcommand, ...rest] = args.positionals;
  const arity = { create: 0, list: 0, revoke: 1 }[subcommand ?? ''];
  if (arity === undefined || rest.length !== arity) return usage(`unknown or incomplete command "root-key ${args.positionals.join(' ')}"`);
  if (subcommand !== 'revoke' && !args.workspace) return usage('--workspace is required');
  if (subcommand === 'create' && (!args.name || !args.permission?.length))
    return usage('--name and at least one --permission are required');

  const store = await openMainStore(config);
  const announce = announcer(config);
  try {
    const service = new RootKeyService({ store, clock: systemClock, bus: announce.bus });
    if (subcommand === 'revoke') {
      const rootKeyId = rest[0]!;
      // Operators name a root key by id alone, so its workspace is looked up rather than given.
      const workspaceId = await store.findRootKeyWorkspace(rootKeyId);
      if (!workspaceId) return failed(`no root key "${rootKeyId}"`);
      await service.revoke(systemContext(workspaceId, 'cli'), rootKeyId);
      process.stdout.write(`Revoked root key ${rootKeyId} of workspace ${workspaceId}.\n`);
      if (!announce.announced()) process.stdout.write(`${announce.notice()}\n`);
      return 0;
    }
    const workspaceId = args.workspace!;
    if (!(await store.findWorkspace(workspaceId))) return failed(`no workspace "${workspaceId}"`);
    const ctx = systemContext(workspaceId, 'cli');
    if (subcommand === 'create') {
      const created = await service.create(ctx, { name: args.name!, permissions: args.permission! });
      process.stdout.write(
        args.json
          ? `${JSON.stringify({ rootKeyId: created.rootKeyId, rootKey: created.key })}\n`
          : `Created root key ${created.rootKeyId} in workspace ${workspaceId}.\nRoot key (shown once, store it now): ${created.key}\n`,
      );
      return 0;
    }
    const keys = await everyRootKey(service, workspaceId);
    process.stdout.write(args.json ? `${JSON.stringify(keys.map(rootKeyData))}\n` : keys.map(line).join(''));
    return 0;
  } catch (error) {
    if (error instanceof KeywardError && error.code === 'invalid_input') {
      return usage([error.detail, ...error.problems.map((p) => `  ${p.message}`)].join('\n'));
    }
    throw error;
  } finally {
    await announce.close();
    await store.close();
  }
}

function failed(message: string): number {
  process.stderr.write(`keyward: ${message}\n`);
  return 1;
}

async function everyRootKey(service: RootKeyService, workspaceId: string): Promise<ManagedRootKeyRecord[]> {
  const keys: ManagedRootKeyRecord[] = [];
  let cursor: string | undefined;
  do {
    const page = await service.list(systemContext(workspaceId, 'cli'), { limit: 100, cursor });
    keys.push(...page.items);
    cursor = page.pagination.cursor;
  } while (cursor !== undefined);
  return keys;
}

/** One root key per line: never its secret nor its hash, only the start that tells keys apart. */
const line = (k: ManagedRootKeyRecord): string =>
  `${k.id}  ${k.start}  ${JSON.stringify(k.name ?? '')}  expires ${k.expires === null ? 'never' : new Date(k.expires).toISOString()}  ` +
  `${k.permissions.join(' ') || '(no permissions)'}\n`;
