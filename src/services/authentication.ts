import type { SwrCache } from '../cache/swr-cache.js';
import type { Clock } from '../core/clock.js';
import { KeywardError } from '../core/errors.js';
import { hashKey } from '../core/key-format.js';
import type { RequestContext } from './context.js';
import type { RootKeyRecord, Store } from '../storage/store.js';
import { type UsageBuffer, type UsageNote, usageNoteFrom } from './usage-buffer.js';

/** Who is calling: a root key acting on its workspace with exactly the permissions it holds. */
export interface Principal {
  workspaceId: string;
  rootKeyId: string;
  rootKeyName: string | null;
  permissions: ReadonlySet<string>;
  /** The workspace's own API rate limit (requests per minute), cached with the root key; null: the default applies. */
  apiRateLimit: number | null;
}

export interface CachedRootKey extends RootKeyRecord, UsageNote {
  permissionSet: ReadonlySet<string>;
}

export interface AuthenticationDeps {
  store: Store;
  rootKeys: SwrCache<CachedRootKey>;
  clock: Clock;
  /** Where accepted root keys' lastUsedAt waits for the background job. */
  usage: UsageBuffer;
}

/**
 * Root-key authentication: the secret a caller presents, to the principal it acts as. Two steps rather than one
 * async call so that the one await (the lookup) is the caller's own: admission on the verify lane then costs no
 * promise of its own beyond the lookup's (http/admission.ts).
 */
export class RootKeyAuthentication {
  constructor(private readonly deps: AuthenticationDeps) {}

  /** The root key with this secret, through the root-key cache: a miss (found or not) costs one SQL query and is cached. */
  lookUp(secret: string): Promise<CachedRootKey | undefined> {
    const hash = hashKey(secret);
    return this.deps.rootKeys.get(hash, async () => {
      const record = await this.deps.store.findRootKeyByHash(hash);
      // No use noted yet: the first accepted request after a load is written, then at most one a minute.
      return record && { ...record, permissionSet: new Set(record.permissions), usageNotedAt: usageNoteFrom(null) };
    });
  }

  /** The principal of what `lookUp` found; refuses (401/403) a missing, disabled or expired root key and a disabled workspace. */
  principalOf(rootKey: CachedRootKey | undefined): Principal {
    if (!rootKey) throw new KeywardError('root_key_not_found', 'The root key was not found.');
    const now = this.deps.clock.now();
    // A rerolled root key past its grace period answers exactly as an unknown one (rootKeys.rerollRootKey). Checked
    // against the clock on every request, so a cached copy stops at the same instant as a fresh read.
    if (rootKey.retiresAt !== null && now >= rootKey.retiresAt) {
      throw new KeywardError('root_key_not_found', 'The root key was not found.');
    }
    if (!rootKey.enabled) throw new KeywardError('root_key_disabled', 'The root key is disabled.');
    if (rootKey.expires !== null && now > rootKey.expires) {
      throw new KeywardError('root_key_expired', 'The root key has expired.');
    }
    if (!rootKey.workspaceEnabled) throw new KeywardError('workspace_disabled', 'The workspace is disabled.');
    // Only an accepted root key counts as used (unlike keys, whose refused verifications count): a root key's
    // lastUsedAt says when it last acted on the workspace, which is what deciding to rotate or revoke it needs.
    // A refusal (disabled, expired, disabled workspace) acted on nothing. At most one Map.set, nothing awaited.
    this.deps.usage.note(rootKey, rootKey.id, now);
    return {
      workspaceId: rootKey.workspaceId,
      rootKeyId: rootKey.id,
      rootKeyName: rootKey.name,
      permissions: rootKey.permissionSet,
      apiRateLimit: rootKey.workspaceApiRateLimit,
    };
  }
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
