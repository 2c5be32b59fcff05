import type { SwrCache } from '../cache/swr-cache.js';
import type { Clock } from '../core/clock.js';
import { KeywardError } from '../core/errors.js';
import { hashKey } from '../core/key-format.js';
import type { RequestContext } from './context.js';
import type { RootKeyRecord, Store } from '../storage/store.js';
import type { UsageBuffer } from './usage-buffer.js';

/** Who is calling: a root key acting on its workspace with exactly the permissions it holds. */
export interface Principal {
  workspaceId: string;
  rootKeyId: string;
  rootKeyName: string | null;
  permissions: ReadonlySet<string>;
  /** The workspace's own API rate limit (requests per minute), cached with the root key; null: the default applies. */
  apiRateLimit: number | null;
}

export interface CachedRootKey extends RootKeyRecord {
  permissionSet: ReadonlySet<string>;
}

export interface AuthDeps {
  store: Store;
  rootKeys: SwrCache<CachedRootKey>;
  clock: Clock;
  /** Where accepted root keys' lastUsedAt waits for the background job. */
  usage: UsageBuffer;
}

/** Resolves an Authorization header to a principal, or throws the contract's 400/401/403. */
export async function authenticate(header: string | undefined, deps: AuthDeps): Promise<Principal> {
  const value = header?.trim() ?? '';
  if (value === '') throw new KeywardError('auth_missing', "Authorization header for 'bearer' scheme is missing.");
  if (!/^bearer\s/i.test(value)) {
    throw new KeywardError('auth_malformed', "The Authorization header must start with 'Bearer ' followed by a root key.");
  }
  const token = value.slice(7).trim();
  if (token === '') throw new KeywardError('auth_malformed', "The Authorization header must start with 'Bearer ' followed by a root key.");

  const hash = hashKey(token);
  const rootKey = await deps.rootKeys.get(hash, async () => {
    const record = await deps.store.findRootKeyByHash(hash);
    return record && { ...record, permissionSet: new Set(record.permissions) };
  });
  if (!rootKey) throw new KeywardError('root_key_not_found', 'The root key was not found.');
  if (!rootKey.enabled) throw new KeywardError('root_key_disabled', 'The root key is disabled.');
  const now = deps.clock.now();
  if (rootKey.expires !== null && now > rootKey.expires) {
    throw new KeywardError('root_key_expired', 'The root key has expired.');
  }
  if (!rootKey.workspaceEnabled) throw new KeywardError('workspace_disabled', 'The workspace is disabled.');
  // Only an accepted root key counts as used (unlike keys, whose refused verifications count): a root key's
  // lastUsedAt says when it last acted on the workspace, which is what deciding to rotate or revoke it needs.
  // A refusal (disabled, expired, disabled workspace) acted on nothing. One Map.set, nothing awaited.
  deps.usage.record(rootKey.id, now);
  return {
    workspaceId: rootKey.workspaceId,
    rootKeyId: rootKey.id,
    rootKeyName: rootKey.name,
    permissions: rootKey.permissionSet,
    apiRateLimit: rootKey.workspaceApiRateLimit,
  };
}

/** The context an operation runs in: the principal acting on its workspace, and where the request came from (for audit). */
export function contextFor(principal: Principal, requestId: string, sourceIp: string | null, userAgent: string | null): RequestContext {
  return {
    workspaceId: principal.workspaceId,
    actor: { type: 'root_key', id: principal.rootKeyId, name: principal.rootKeyName },
    permissions: principal.permissions,
    requestId,
    sourceIp,
    userAgent,
  };
}
