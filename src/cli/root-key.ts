import type { Config } from '../config.js';
import { systemClock } from '../core/clock.js';
import { KeywardError } from '../core/errors.js';
import { ROOT_KEY_ENVIRONMENTS, type RootKeyEnvironment } from '../core/root-key-environments.js';
import { MAX_ROOT_KEY_GRACE_MS } from '../contract/root-keys.js';
import { rootKeyData } from '../contract/views/root-keys.js';
import { systemContext } from '../services/context.js';
import { RootKeyService } from '../services/root-keys.js';
import { openMainStore } from '../storage/open-configured.js';
import type { ManagedRootKeyRecord } from '../storage/store.js';
import { announcer } from './announcer.js';
import { usageOf } from './help.js';
import { rootKeyCli } from './commands.js';

export const ROOT_KEY_USAGE = usageOf(rootKeyCli);

export interface RootKeyArgs {
  json: boolean;
  positionals: string[];
  workspace?: string;
  name?: string;
  permission?: string[];
  environment?: string;
  grace?: string;
}

const GRACE_UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `--grace` in milliseconds, or undefined when it is not `0` or a count with a unit within the 30-day bound. */
function graceMs(text: string | undefined): number | undefined {
  if (text === '0') return 0;
  const match = /^([1-9][0-9]{0,7})([smhd])$/.exec(text ?? '');
  if (!match) return undefined;
  const ms = Number(match[1]) * GRACE_UNIT_MS[match[2]!]!;
  return ms <= MAX_ROOT_KEY_GRACE_MS ? ms : undefined;
}

const isEnvironment = (text: string): text is RootKeyEnvironment => (ROOT_KEY_ENVIRONMENTS as readonly string[]).includes(text);

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
  const arity = { create: 0, list: 0, revoke: 1, reroll: 1 }[subcommand ?? ''];
  if (arity === undefined || rest.length !== arity) return usage(`unknown or incomplete command "root-key ${args.positionals.join(' ')}"`);
  const byId = subcommand === 'revoke' || subcommand === 'reroll';
  if (!byId && !args.workspace) return usage('--workspace is required');
  if (subcommand === 'create' && (!args.name || !args.permission?.length))
    return usage('--name and at least one --permission are required');
  if (args.environment !== undefined && !isEnvironment(args.environment)) {
    return usage(`--environment is one of ${ROOT_KEY_ENVIRONMENTS.join(', ')}, not "${args.environment}"`);
  }
  const grace = graceMs(args.grace);
  if (subcommand === 'reroll' && grace === undefined) {
    return usage(`--grace takes 0 or a count and a unit s, m, h or d, at most 30d (e.g. 15m, 2h), not "${args.grace ?? ''}"`);
  }

  const store = await openMainStore(config);
  const announce = announcer(config);
  try {
    const service = new RootKeyService({ store, clock: systemClock, bus: announce.bus });
    if (subcommand === 'reroll' || subcommand === 'revoke') {
      const rootKeyId = rest[0]!;
      // Operators name a root key by id alone, so its workspace is looked up rather than given.
      const workspaceId = await store.findRootKeyWorkspace(rootKeyId);
      if (!workspaceId) return failed(`no root key "${rootKeyId}"`);
      if (subcommand === 'reroll') return await reroll(service, workspaceId, rootKeyId, grace!, args.json);
      await service.revoke(systemContext(workspaceId, 'cli'), rootKeyId);
      process.stdout.write(`Revoked root key ${rootKeyId} of workspace ${workspaceId}.\n`);
      if (!announce.announced()) process.stdout.write(`${announce.notice()}\n`);
      return 0;
    }
    const workspaceId = args.workspace!;
    if (!(await store.findWorkspace(workspaceId))) return failed(`no workspace "${workspaceId}"`);
    const ctx = systemContext(workspaceId, 'cli');
    if (subcommand === 'create') {
      const environment = args.environment as RootKeyEnvironment | undefined;
      const created = await service.create(ctx, { name: args.name!, permissions: args.permission!, environment });
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
    if (error instanceof KeywardError && (error.code === 'root_key_not_found' || error.code === 'precondition_failed')) {
      return failed(error.detail);
    }
    throw error;
  } finally {
    await announce.close();
    await store.close();
  }
}

/** The new secret is printed once, with the instant the old one stops working. */
async function reroll(service: RootKeyService, workspaceId: string, rootKeyId: string, grace: number, json: boolean): Promise<number> {
  const created = await service.reroll(systemContext(workspaceId, 'cli'), { rootKeyId, expiration: grace });
  const retiresAt = created.oldKeyRetiresAt;
  process.stdout.write(
    json
      ? `${JSON.stringify({ rootKeyId: created.rootKeyId, rootKey: created.key, oldKeyRetiresAt: retiresAt })}\n`
      : `Rerolled root key ${rootKeyId} of workspace ${workspaceId} into ${created.rootKeyId}; ${rootKeyId} stops working at ` +
          `${new Date(retiresAt).toISOString()}.\nNew root key (shown once, store it now): ${created.key}\n`,
  );
  return 0;
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
  `${k.id}  ${k.start}  ${JSON.stringify(k.name ?? '')}  ${k.environment ?? '-'}  ${k.retiresAt === null ? '' : `retires ${new Date(k.retiresAt).toISOString()}  `}expires ${k.expires === null ? 'never' : new Date(k.expires).toISOString()}  ` +
  `${k.permissions.join(' ') || '(no permissions)'}\n`;
