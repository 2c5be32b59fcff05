import { KeywardError, badInput } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { generateKey } from '../core/key-format.js';
import { eitherScope, holdsAny } from '../core/permissions.js';
import type { Meta, NewRatelimit, RefillRecord, StoreOps } from '../storage/store.js';
import { auditEntry } from './audit.js';
import type { RequestContext } from './context.js';
import type { ServiceDeps } from './index.js';

export interface RefillInput {
  interval: 'daily' | 'monthly';
  amount: number;
  refillDay?: number;
}

export interface CreditsInput {
  remaining: number | null;
  refill?: RefillInput | null;
}

export interface RatelimitInput {
  name: string;
  limit: number;
  duration: number;
  autoApply: boolean;
}

export interface CreateKeyInput {
  apiId: string;
  prefix?: string;
  name?: string;
  byteLength?: number;
  externalId?: string;
  meta?: Meta;
  roles?: string[];
  permissions?: string[];
  expires?: number;
  credits?: CreditsInput;
  ratelimits?: RatelimitInput[];
  enabled?: boolean;
  recoverable?: boolean;
}

export const keyNotFound = (keyId: string) => new KeywardError('key_not_found', `The key '${keyId}' was not found.`);
export const apiNotFound = (apiId: string) => new KeywardError('api_not_found', `The API '${apiId}' was not found.`);

/** The stored form of a refill request; checks the rules the schema cannot express. */
export function refillFrom(credits: CreditsInput, operation: 'create' | 'update'): RefillRecord | null {
  const refill = credits.refill;
  if (!refill) return null;
  if (credits.remaining === null) throw badInput('`credits.refill` needs a number in `credits.remaining`; unlimited keys are never refilled.');
  if (refill.interval === 'monthly') {
    if (refill.refillDay === undefined) throw badInput('`refillDay` must be provided when the refill interval is `monthly`.');
    return { amount: refill.amount, day: refill.refillDay };
  }
  // Upstream ignores a daily refillDay on create and refuses it on update; so do we.
  if (operation === 'update' && refill.refillDay !== undefined) throw badInput('`refillDay` is only allowed when the refill interval is `monthly`.');
  return { amount: refill.amount, day: null };
}

/** New limits for a key, keeping no duplicate names (they would be ambiguous in verifyKey). */
export function ratelimitsFrom(limits: RatelimitInput[], now: number): NewRatelimit[] {
  const seen = new Set<string>();
  return limits.map((limit) => {
    if (seen.has(limit.name)) throw badInput(`Ratelimit name '${limit.name}' appears more than once.`);
    seen.add(limit.name);
    return { id: newId('ratelimit', now), name: limit.name, limit: limit.limit, duration: limit.duration, autoApply: limit.autoApply };
  });
}

/** Attaches permissions (created when missing) and roles (which must exist) to a key, inside `tx`. */
export async function attachAccess(tx: StoreOps, workspaceId: string, keyId: string, access: { permissions?: string[]; roles?: string[] }, now: number): Promise<void> {
  if (access.permissions !== undefined) await tx.setKeyPermissions(workspaceId, keyId, access.permissions, now);
  if (access.roles !== undefined) {
    const missing = await tx.setKeyRoles(workspaceId, keyId, access.roles, now);
    if (missing.length > 0) throw new KeywardError('role_not_found', `Role '${missing[0]}' was not found.`);
  }
}

/** Key lifecycle: create, read, update, credits, delete, reroll, list. */
export class KeyService {
  constructor(private readonly deps: ServiceDeps) {}

  async create(ctx: RequestContext, input: CreateKeyInput): Promise<{ keyId: string; key: string }> {
    // A caller who may not create keys in this API learns nothing about it: masked as not found (upstream).
    if (!holdsAny(ctx.permissions, eitherScope('api', input.apiId, 'create_key'))) throw apiNotFound(input.apiId);
    if (input.recoverable && !holdsAny(ctx.permissions, eitherScope('api', input.apiId, 'encrypt_key'))) throw apiNotFound(input.apiId);
    const now = this.deps.clock.now();
    const refill = input.credits ? refillFrom(input.credits, 'create') : null;
    const ratelimits = ratelimitsFrom(input.ratelimits ?? [], now);

    return this.deps.store.transaction(async (tx) => {
      // Another workspace's API is "not found": the lookup is scoped to the caller's workspace.
      const api = await tx.findApi(ctx.workspaceId, input.apiId);
      if (!api) throw apiNotFound(input.apiId);
      if (input.recoverable) {
        throw new KeywardError('precondition_failed', 'Recoverable keys need a vault: configure KEYWARD_MASTER_KEYS and enable encrypted key storage on the API.');
      }
      const key = generateKey(input.byteLength ?? api.defaultByteLength ?? 16, input.prefix ?? api.defaultPrefix);
      const keyId = newId('key', now);
      const identityId = input.externalId ? await tx.upsertIdentity(ctx.workspaceId, input.externalId, now) : null;
      await tx.insertKey({
        id: keyId, workspaceId: ctx.workspaceId, apiId: api.id, hash: key.hash, start: key.start,
        prefix: input.prefix ?? api.defaultPrefix, name: input.name ?? null, identityId, meta: input.meta ?? null,
        enabled: input.enabled ?? true, expires: input.expires ?? null, remaining: input.credits?.remaining ?? null,
        refill, createdAt: now,
      });
      if (ratelimits.length > 0) await tx.replaceKeyRatelimits(ctx.workspaceId, keyId, ratelimits, now);
      await attachAccess(tx, ctx.workspaceId, keyId, input, now);
      await tx.appendAudit(
        auditEntry(ctx, now, 'key.create', `Created key ${keyId} in API ${api.id}`, [
          { type: 'key', id: keyId, ...(input.name ? { name: input.name } : {}) },
          { type: 'api', id: api.id, name: api.name },
          ...(identityId ? [{ type: 'identity', id: identityId, name: input.externalId! }] : []),
        ]),
      );
      return { keyId, key: key.plaintext };
    });
  }

  /** Sets remaining credits to the refill amount on every key due now. */
  async refillCredits(): Promise<number> {
    return this.deps.store.refillCredits(this.deps.clock.now());
  }
}
