import { hashKey } from '../core/key-format.js';
import { evaluatePermissionQuery, parsePermissionQuery } from '../core/permission-query.js';
// The same mappers as getKey, so a key's permissions and identity look alike in every response.
import { allPermissions, identityData } from '../http/routes/keys/map.js';
import type { RequestContext } from '../services/context.js';
import type { ServiceDeps } from '../services/index.js';
import type { KeyRecord, Meta } from '../storage/store.js';

/**
 * The verify hot path (DESIGN §5, contract §5). Every outcome is a value answered with HTTP 200;
 * only a malformed permissions query throws (400). Budget: one hash, one cache lookup (one query on
 * a miss), pure checks, and for limited keys one credit statement (a charge, or a read of the
 * balance when nothing is charged). Nothing is logged or audited
 * here, and lastUsedAt is buffered in memory and written by `flushUsage`, never awaited here.
 */

export type VerifyCode =
  | 'VALID' | 'NOT_FOUND' | 'FORBIDDEN' | 'INSUFFICIENT_PERMISSIONS' | 'USAGE_EXCEEDED' | 'RATE_LIMITED' | 'DISABLED' | 'EXPIRED';

/** The request fields verification reads (tags, ratelimits and migrationId are accepted by the contract but not used yet). */
export interface VerifyKeyInput {
  key: string;
  permissions?: string;
  credits?: { cost: number };
}

/** The key's own fields, carried by every answer except NOT_FOUND. Absent means "none": clients reject null. */
export interface VerifiedKeyFields {
  keyId: string;
  enabled: boolean;
  name?: string;
  meta?: Meta;
  expires?: number;
  permissions?: string[];
  roles?: string[];
  identity?: ReturnType<typeof identityData>;
}

/** Any answer about a found key. `credits` is present iff the key is limited: what is left after this call. */
export interface KeyVerification extends VerifiedKeyFields {
  valid: boolean;
  code: Exclude<VerifyCode, 'NOT_FOUND'>;
  credits?: number;
}

export type VerifyKeyResult = { readonly valid: false; readonly code: 'NOT_FOUND' } | KeyVerification;

/** Nothing about the key: the same answer for unknown, other-workspace and masked keys, so none can be told apart. */
const NOT_FOUND = Object.freeze({ valid: false, code: 'NOT_FOUND' } as const);

const VERIFY_ANY_API = 'api.*.verify_key';

/** lastUsedAt times buffered past this many keys are written at once instead of waiting for the job. */
const USAGE_FLUSH_AT = 10_000;

/** What verification derives from a key record, computed once per record rather than once per request. */
interface PreparedKey {
  granted: ReadonlySet<string>;
  fields: VerifiedKeyFields;
}

function prepare(key: KeyRecord): PreparedKey {
  const permissions = allPermissions(key);
  const fields: VerifiedKeyFields = { keyId: key.id, enabled: key.enabled };
  if (key.name !== null) fields.name = key.name;
  if (key.meta !== null) fields.meta = key.meta;
  if (key.expires !== null) fields.expires = key.expires;
  if (permissions.length > 0) fields.permissions = permissions;
  if (key.roles.length > 0) fields.roles = key.roles;
  if (key.identity) fields.identity = identityData(key.identity);
  return { granted: new Set(permissions), fields };
}

function answer(code: KeyVerification['code'], fields: VerifiedKeyFields, credits: number | null | undefined): KeyVerification {
  const result: KeyVerification = { valid: code === 'VALID', code, ...fields };
  if (typeof credits === 'number') result.credits = credits;
  return result;
}

export class VerifyService {
  /**
   * Records from the key cache are immutable snapshots shared by every request that hits them, so
   * what is derived from one can be keyed by the record itself and dies with it when it is evicted.
   */
  private readonly prepared = new WeakMap<KeyRecord, PreparedKey>();
  /** keyId -> time of the latest verification, waiting for `flushUsage`. */
  private usage = new Map<string, number>();
  private writing: Promise<void> | undefined;
  private readonly usageFlushAt: number;

  /** `usageFlushAt` exists for tests; by default the buffer holds at most about ten thousand keys. */
  constructor(
    private readonly deps: ServiceDeps,
    options: { usageFlushAt?: number } = {},
  ) {
    this.usageFlushAt = options.usageFlushAt ?? USAGE_FLUSH_AT;
  }

  async verify(ctx: RequestContext, input: VerifyKeyInput): Promise<VerifyKeyResult> {
    const { store, keyCache } = this.deps;
    const hash = hashKey(input.key);
    // Misses are cached too, so guessing random keys costs the database nothing after the first try.
    const key = await keyCache.get(hash, () => store.findKeyByHash(hash));
    if (!key) return NOT_FOUND;
    // Another workspace's key answers exactly like an unknown one: a root key cannot probe other tenants.
    if (key.workspaceId !== ctx.workspaceId) return NOT_FOUND;
    // Without verify permission on this key's API the caller must not learn the key exists (masked, as upstream).
    if (!ctx.permissions.has(VERIFY_ANY_API) && !ctx.permissions.has(`api.${key.apiId}.verify_key`)) return NOT_FOUND;

    // Parsed before the state checks: a malformed query is the caller's bug, so it is a 400 even for a
    // disabled or expired key (but never reveals a key the checks above hide).
    const query = input.permissions === undefined ? undefined : parsePermissionQuery(input.permissions);

    let prepared = this.prepared.get(key);
    if (!prepared) {
      prepared = prepare(key);
      this.prepared.set(key, prepared);
    }
    const now = this.deps.clock.now();
    this.recordUsage(key.id, now);

    if (!key.enabled) return this.refuse('DISABLED', key, prepared.fields);
    if (key.expires !== null && now > key.expires) return this.refuse('EXPIRED', key, prepared.fields);
    if (query && !evaluatePermissionQuery(query, prepared.granted)) return this.refuse('INSUFFICIENT_PERMISSIONS', key, prepared.fields);

    // >>> RATE LIMITS plug in here (not implemented yet; `ratelimits` in the request and autoApply
    // limits are not enforced). They belong after the permission check and before credits, so a
    // rate-limited call spends no credits (upstream order), and must be all-or-nothing.

    // Credits last. Whether the key is limited comes from the cached record (changing that publishes an
    // invalidation); the balance itself is only ever read and changed by single atomic statements.
    if (key.remaining === null) return answer('VALID', prepared.fields, undefined);
    const cost = input.credits?.cost ?? 1;
    // Cost 0 is a pure check: it always passes (even at a balance of 0) and reports the live balance.
    if (cost === 0) return answer('VALID', prepared.fields, await store.readCredits(key.id));
    const left = await store.spendCredits(key.id, cost);
    return left === undefined ? answer('USAGE_EXCEEDED', prepared.fields, 0) : answer('VALID', prepared.fields, left);
  }

  /**
   * A refusal charges nothing but still reports a limited key's balance, read live: the cached record's
   * is behind by every spend since it was loaded. That is one primary-key read, no more than a charge
   * costs on the success path, and unlimited keys skip it.
   */
  private async refuse(code: KeyVerification['code'], key: KeyRecord, fields: VerifiedKeyFields): Promise<KeyVerification> {
    return answer(code, fields, key.remaining === null ? undefined : await this.deps.store.readCredits(key.id));
  }

  /**
   * Every verification of a found key counts as use, whatever its outcome: a refused attempt with a
   * disabled key is exactly the sign that someone still holds it.
   */
  private recordUsage(keyId: string, now: number): void {
    this.usage.set(keyId, now);
    if (this.usage.size >= this.usageFlushAt && this.writing === undefined) {
      // Bounds memory between jobs. Not awaited: a failure keeps the times for the next job, which logs it.
      this.flushUsage().catch(() => undefined);
    }
  }

  /** Writes buffered lastUsedAt times (run by the background jobs, on overflow, and at shutdown). */
  async flushUsage(): Promise<void> {
    // One write at a time; a caller arriving during one waits, then writes what came in since.
    while (this.writing) await this.writing.catch(() => undefined);
    if (this.usage.size === 0) return;
    const batch = this.usage;
    this.usage = new Map();
    const writing = this.deps.store.recordKeyUsage(batch);
    this.writing = writing;
    try {
      await writing;
    } catch (error) {
      // Put the times back for the next attempt (newer ones win), but no more than one batch's worth,
      // so a database outage cannot grow this map without limit: lastUsedAt is best-effort.
      for (const [keyId, at] of batch) {
        if (this.usage.size >= this.usageFlushAt) break;
        if (!this.usage.has(keyId)) this.usage.set(keyId, at);
      }
      throw error;
    } finally {
      if (this.writing === writing) this.writing = undefined;
    }
  }
}
