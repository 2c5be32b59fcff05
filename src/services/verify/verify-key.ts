import { KeywardError } from '../../core/errors.js';
import { keyCacheKey } from '../../cache/key-cache-key.js';
import { hashKey } from '../../core/key-format.js';
import { evaluatePermissionQuery, parsePermissionQuery } from '../../core/permission-query.js';
import { grantsUrn, keyResource } from '../../core/permissions.js';
// The same mappers as getKey, so a key's permissions and identity look alike in every response.
import { allPermissions, identityData } from '../../contract/views/keys.js';
import type { VERIFY_CODES } from '../../contract/keys.js';
import { LimiterFailures } from '../../ratelimit/fail-open.js';
import { decisionsWithoutLimiter } from '../../ratelimit/failure-mode.js';
import type { LimitCheck } from '../../ratelimit/limiter.js';
import type { RequestContext } from '../context.js';
import type { ServiceDeps } from '../deps.js';
import type { KeyRecord, Meta } from '../../storage/store.js';
import { MIGRATED_KEY_START } from '../../core/key-migration.js';
import { ipMatcher } from '../../core/ip-whitelist.js';
import { MigratedKeys } from './migrated-keys.js';
import { UsageBuffer } from '../usage-buffer.js';
import type { VerificationEvent } from '../../analytics/events.js';
import type { AnalyticsRecorder } from '../../analytics/recorder.js';

/**
 * The verify hot path (docs/architecture.md, "Verification"; docs/unkey-compatibility.md, "Verification"). Every outcome is a value answered with HTTP 200;
 * only a malformed permissions query throws (400). Budget: one hash, one cache lookup (one query on
 * a miss), pure checks, one limiter call when the key has rate limits to apply, and for limited keys
 * one credit statement (a charge that re-checks the key is live and unchanged, or a read of the balance when nothing
 * is charged; a refused charge reads why). Nothing is logged or audited here (but for an imported key's first
 * verification, migrated-keys.ts), and lastUsedAt is buffered in memory and written by `flushUsage`, never awaited here.
 */

/** One of the contract's VERIFY_CODES (src/contract/keys.ts), which openapi.json states as verify's `code` enum. */
export type VerifyCode = (typeof VERIFY_CODES)[number];

/**
 * One entry of the request's `ratelimits`: with both `limit` and `duration` an ad-hoc limit, otherwise
 * the name of one of the key's (or its identity's) configured limits.
 */
export interface VerifyRatelimitRequest {
  name: string;
  /** Default 1; 0 only checks. */
  cost?: number;
  limit?: number;
  duration?: number;
}

/** The request fields verification reads. */
export interface VerifyKeyInput {
  key: string;
  /** Recorded with the verification's analytics event, as sent. */
  tags?: string[];
  permissions?: string;
  credits?: { cost: number };
  ratelimits?: readonly VerifyRatelimitRequest[];
  /** Also look for a key imported under this migration when the ordinary lookup misses (migrated-keys.ts). */
  migrationId?: string;
}

/** How one evaluated limit came out (docs/unkey-compatibility.md, "Verification request and answer"). Ad-hoc limits have id "" and autoApply false. */
export interface VerifyRatelimitResult {
  exceeded: boolean;
  id: string;
  name: string;
  limit: number;
  duration: number;
  reset: number;
  remaining: number;
  autoApply: boolean;
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
  /** Present iff at least one rate limit was evaluated. */
  ratelimits?: VerifyRatelimitResult[];
}

export type VerifyKeyResult = { readonly valid: false; readonly code: 'NOT_FOUND' } | KeyVerification;

/** Nothing about the key: the same answer for unknown, other-workspace and masked keys, so none can be told apart. */
const NOT_FOUND = Object.freeze({ valid: false, code: 'NOT_FOUND' } as const);

const VERIFY_ANY_API = 'api.*.verify_key';

/** The tags of every event whose request sent none: one shared array, never written to. */
const NO_TAGS: string[] = [];

/** The found key's ids in its analytics event (only once the caller may know the key exists). */
function describeKey(event: VerificationEvent, key: KeyRecord): void {
  event.keySpaceId = key.apiId;
  event.keyId = key.id;
  event.identityId = key.identity?.id ?? '';
  event.externalId = key.identity?.externalId ?? '';
}

/** How many times one verification decides, when its key keeps changing under its charge (see `verify`). */
const MAX_DECISIONS = 3;

/** A configured limit as verification applies it: whose counter it is, and under which key. */
interface LimitConfig {
  id: string;
  name: string;
  limit: number;
  duration: number;
  autoApply: boolean;
  /** The limiter's counter key. */
  counter: string;
}

/** What verification derives from a key record, computed once per record rather than once per request. */
interface PreparedKey {
  granted: ReadonlySet<string>;
  fields: VerifiedKeyFields;
  /** The key's limits by name: its identity's, then its own, so a key-level limit replaces an identity one of the same name. */
  limits: ReadonlyMap<string, LimitConfig>;
  /** The autoApply limits, checked at cost 1 on every verification, with their checks built once. */
  autoApply: readonly LimitConfig[];
  autoChecks: readonly LimitCheck[];
  /** Whether a client IP may verify this key, from its API's whitelist; null (no check at all) when there is none. */
  allowIp: ((ip: string | null) => boolean) | null;
}

/** The untrusted-proxy warning repeats at most this often. */
const PROXY_WARNING_INTERVAL_MS = 60 * 60 * 1000;

/**
 * Verification counters are scoped by workspace and live apart from the ratelimit.* namespaces (whose
 * keys carry an `rlns_` id where this carries `verify`). The identifier is the key id for key-level
 * and ad-hoc limits and the identity id for identity limits, which every key of the identity shares.
 * Identifiers never contain `:`, so a name containing one cannot make two counters collide.
 */
const counterKey = (workspaceId: string, name: string, identifier: string): string => `${workspaceId}:verify:${name}:${identifier}`;

/**
 * The 412 for a named limit neither the key nor its identity has, in upstream's words with upstream's identity suffix
 * (issue 13, item 6). The identity is the key's own, in the caller's workspace: nothing of another tenant is told.
 */
function missingRatelimit(name: string, key: KeyRecord): KeywardError {
  const suffix =
    key.identity === null
      ? ' and there is no identity connected.'
      : ` nor identity: '${key.identity.id}' external ID: '${key.identity.externalId}'`;
  return new KeywardError('precondition_failed', `ratelimit '${name}' was requested but does not exist for key '${key.id}'${suffix}`);
}

function prepare(key: KeyRecord): PreparedKey {
  const limits = new Map<string, LimitConfig>();
  const add = (r: KeyRecord['ratelimits'][number], identifier: string) =>
    limits.set(r.name, {
      id: r.id,
      name: r.name,
      limit: r.limit,
      duration: r.duration,
      autoApply: r.autoApply,
      counter: counterKey(key.workspaceId, r.name, identifier),
    });
  if (key.identity) for (const r of key.identity.ratelimits) add(r, key.identity.id);
  for (const r of key.ratelimits) add(r, key.id);
  const autoApply = [...limits.values()].filter((l) => l.autoApply);
  const autoChecks = autoApply.map((l) => ({ key: l.counter, limit: l.limit, duration: l.duration, cost: 1 }));

  const permissions = allPermissions(key);
  const fields: VerifiedKeyFields = { keyId: key.id, enabled: key.enabled };
  if (key.name !== null) fields.name = key.name;
  if (key.meta !== null) fields.meta = key.meta;
  if (key.expires !== null) fields.expires = key.expires;
  if (permissions.length > 0) fields.permissions = permissions;
  if (key.roles.length > 0) fields.roles = key.roles;
  if (key.identity) fields.identity = identityData(key.identity);
  // Built once per cached record, so an API without a whitelist costs verification one null check.
  const allowIp = key.apiIpWhitelist === null ? null : ipMatcher(key.apiIpWhitelist);
  return { granted: new Set(permissions), fields, limits, autoApply, autoChecks, allowIp };
}

function answer(
  code: KeyVerification['code'],
  fields: VerifiedKeyFields,
  credits: number | null | undefined,
  ratelimits?: VerifyRatelimitResult[],
): KeyVerification {
  const result: KeyVerification = { valid: code === 'VALID', code, ...fields };
  if (typeof credits === 'number') result.credits = credits;
  if (ratelimits !== undefined) result.ratelimits = ratelimits;
  return result;
}

export class VerifyService {
  /**
   * Records from the key cache are immutable snapshots shared by every request that hits them, so
   * what is derived from one can be keyed by the record itself and dies with it when it is evicted.
   */
  private readonly prepared = new WeakMap<KeyRecord, PreparedKey>();
  /** Keys' lastUsedAt, waiting for `flushUsage`. */
  private readonly usage: UsageBuffer;
  private readonly limiterFailures: LimiterFailures;
  private readonly migrated: MigratedKeys;
  /** When the untrusted-proxy warning was last logged (warnUntrustedProxy); -Infinity: never. */
  private proxyWarnedAt = Number.NEGATIVE_INFINITY;

  /** `usageFlushAt` exists for tests; by default the buffer holds at most about ten thousand keys. */
  constructor(
    private readonly deps: ServiceDeps,
    options: { usageFlushAt?: number } = {},
  ) {
    this.usage = new UsageBuffer((batch) => deps.store.recordKeyUsage(batch), { flushAt: options.usageFlushAt });
    this.limiterFailures = new LimiterFailures(deps.logger, deps.clock, 'keys.verifyKey', deps.ratelimitFailureMode);
    this.migrated = new MigratedKeys(deps);
  }

  /**
   * An API with an IP whitelist was verified through a proxy KEYWARD_TRUST_PROXY does not trust: the whitelist saw
   * the proxy's address, so every client behind it is FORBIDDEN (upstream reads X-Forwarded-For unconditionally).
   * Logged once, then at most once an hour; only the whitelist path of a request that sent the header gets here.
   */
  private warnUntrustedProxy(record: KeyRecord): void {
    const now = this.deps.clock.now();
    if (now - this.proxyWarnedAt < PROXY_WARNING_INTERVAL_MS) return;
    this.proxyWarnedAt = now;
    this.deps.logger.warn(
      { apiId: record.apiId, workspaceId: record.workspaceId },
      "keys.verifyKey: a request to an API with an IP whitelist sent X-Forwarded-For, which was ignored because its peer is not a trusted proxy: the whitelist checked the proxy's address. Behind a load balancer, set KEYWARD_TRUST_PROXY (true, or the proxies' addresses/CIDR ranges).",
    );
  }

  verify(ctx: RequestContext, input: VerifyKeyInput): Promise<VerifyKeyResult> {
    const recorder = this.deps.analyticsRecorder;
    // Analytics off: not one allocation more than before analytics existed.
    if (recorder === undefined) return this.decide(ctx, input, undefined);
    return this.verifyRecorded(ctx, input, recorder);
  }

  /**
   * The verification and its analytics event: what was answered, for which key (no id at all when the answer is
   * NOT_FOUND, and never the key or its hash), the credits it took and how long it took. A verification that throws
   * (a malformed permissions query, a missing rate limit, the database away) answers no code and records nothing.
   */
  private async verifyRecorded(ctx: RequestContext, input: VerifyKeyInput, recorder: AnalyticsRecorder): Promise<VerifyKeyResult> {
    const started = performance.now();
    const event: VerificationEvent = {
      // Set by `decide` from the time it decides at; read here only when it answered before reading the clock.
      time: 0,
      requestId: ctx.requestId ?? '',
      workspaceId: ctx.workspaceId,
      keySpaceId: '',
      keyId: '',
      identityId: '',
      externalId: '',
      outcome: '',
      tags: input.tags ?? NO_TAGS,
      spentCredits: 0,
      latency: 0,
      region: recorder.region,
    };
    const result = await this.decide(ctx, input, event);
    event.latency = performance.now() - started;
    if (event.time === 0) event.time = this.deps.clock.now();
    event.outcome = result.code;
    if (result.code === 'NOT_FOUND') {
      // Also when a key found at first was deleted before its charge: NOT_FOUND tells nothing of any key.
      event.keySpaceId = '';
      event.keyId = '';
      event.identityId = '';
      event.externalId = '';
    }
    recorder.recordVerification(event);
    return result;
  }

  /** The verification itself; `event`, when analytics is on, learns the key's ids and the credits charged. */
  private async decide(ctx: RequestContext, input: VerifyKeyInput, event: VerificationEvent | undefined): Promise<VerifyKeyResult> {
    const { store, keyCache } = this.deps;
    const hash = hashKey(input.key);
    const { workspaceId } = ctx;
    // Cached and looked up per (workspace, hash): another workspace's key is never read, so it is a miss like any
    // unknown key, in answer and in time. Misses are cached too, so guessing random keys costs the database
    // nothing after the first try.
    const key = await keyCache.get(keyCacheKey(workspaceId, hash), () => store.findKeyByHash(workspaceId, hash));
    // With a migrationId a miss may still be an imported key, found by its original hash (docs/unkey-compatibility.md, "Verification against a migration").
    // An empty migrationId means none, as upstream.
    if (!key) return input.migrationId ? this.verifyMigrated(ctx, input, input.migrationId, event) : NOT_FOUND;
    // Belt and braces (the lookup is scoped): another workspace's key answers exactly like an unknown one.
    if (key.workspaceId !== workspaceId) return NOT_FOUND;
    // Without verify permission on this key's API the caller must not learn the key exists (masked, as upstream).
    // Two Set lookups in the common case; URN grants are matched only when both miss, and cost nothing for root
    // keys holding none (keys.verifyKey's Requirement is keyScope(apiId, 'verify_key', keyId), written out here).
    if (
      !ctx.permissions.has(VERIFY_ANY_API) &&
      !ctx.permissions.has(`api.${key.apiId}.verify_key`) &&
      !grantsUrn(ctx.permissions, ctx.workspaceId, keyResource(key.apiId, key.id), 'verify_key')
    )
      return NOT_FOUND;
    if (event !== undefined) describeKey(event, key);
    // A key imported under Keyward's own hash scheme verifies as it is; its first verification records its real start.
    if (key.start === MIGRATED_KEY_START) await this.migrated.learnStart(ctx, key, input.key);

    // Parsed before the state checks: a malformed query is the caller's bug, so it is a 400 even for a
    // disabled or expired key (but never reveals a key the checks above hide).
    const query = input.permissions === undefined ? undefined : parsePermissionQuery(input.permissions);

    let record = key;
    let now = this.deps.clock.now();
    if (event !== undefined) event.time = now;
    this.recordUsage(key.id, now);
    let ratelimits: VerifyRatelimitResult[] | undefined;
    for (let attempt = 1; ; attempt++) {
      const prepared = this.preparedFor(record);
      if (!record.enabled) return this.refuse('DISABLED', record, prepared.fields, ratelimits);
      if (record.expires !== null && now > record.expires) return this.refuse('EXPIRED', record, prepared.fields, ratelimits);
      // Before permissions, rate limits and credits (upstream order): a client off the whitelist counts and spends nothing.
      if (prepared.allowIp) {
        if (ctx.forwardedForIgnored) this.warnUntrustedProxy(record);
        if (!prepared.allowIp(ctx.sourceIp)) return this.refuse('FORBIDDEN', record, prepared.fields, ratelimits);
      }
      if (query && !evaluatePermissionQuery(query, prepared.granted)) {
        return this.refuse('INSUFFICIENT_PERMISSIONS', record, prepared.fields, ratelimits);
      }

      // Rate limits after the permission check and before credits, so a rate-limited call spends no
      // credits (upstream order). A key without limits whose request names none pays nothing here. Counted once:
      // a verification decided again below keeps what its first pass counted.
      if (attempt === 1 && (prepared.autoApply.length > 0 || (input.ratelimits !== undefined && input.ratelimits.length > 0))) {
        ratelimits = await this.checkRatelimits(record, prepared, input.ratelimits, now);
        if (ratelimits?.some((r) => r.exceeded)) return this.refuse('RATE_LIMITED', record, prepared.fields, ratelimits);
      }

      // Credits last. Whether the key is limited comes from the cached record (changing that publishes an
      // invalidation); the balance itself is only ever read and changed by single atomic statements.
      if (record.remaining === null) return answer('VALID', prepared.fields, undefined, ratelimits);
      const cost = input.credits?.cost ?? 1;
      // Cost 0 is a pure check: it always passes (even at a balance of 0) and reports the live balance.
      if (cost === 0) return answer('VALID', prepared.fields, await store.readCredits(record.id), ratelimits);
      // The charge re-checks, in its own statement, what the checks above read from a record that may be older than
      // a revocation committed meanwhile (docs/architecture.md, "Verification").
      const spend = await store.spendCredits(record.id, cost, { now, updatedAt: record.updatedAt });
      if (spend.charged) {
        if (event !== undefined) event.spentCredits = cost;
        return answer('VALID', prepared.fields, spend.remaining, ratelimits);
      }
      const standing = spend.key;
      if (!standing?.live) return NOT_FOUND;
      const unchanged =
        standing.updatedAt === record.updatedAt &&
        standing.enabled &&
        (standing.expires === null || now <= standing.expires) &&
        standing.remaining !== null &&
        standing.remaining < cost;
      // The balance that could not pay, untouched, as upstream reports it (remaining 5, cost 15 -> credits 5).
      if (unchanged) return answer('USAGE_EXCEEDED', prepared.fields, standing.remaining, ratelimits);
      // The key changed after this verification read it (or, on PostgreSQL, its balance was raised between the refused
      // charge and the read of its standing): decide again on the key as it is now, at the time it is now.
      // Each pass needs another committed change of the key to fail again, so a few passes are plenty.
      if (attempt === MAX_DECISIONS) {
        throw new KeywardError('unexpected_error', `key '${record.id}' kept changing during its verification; nothing was charged`);
      }
      const fresh = await store.findKeyByHash(record.workspaceId, record.hash);
      if (!fresh) return NOT_FOUND;
      record = fresh;
      if (event !== undefined) describeKey(event, record);
      now = this.deps.clock.now();
    }
  }

  /** What verification derives from a record, computed once per record (a cached one is shared by every request). */
  private preparedFor(key: KeyRecord): PreparedKey {
    let prepared = this.prepared.get(key);
    if (!prepared) {
      prepared = prepare(key);
      this.prepared.set(key, prepared);
    }
    return prepared;
  }

  /** The miss branch with a migrationId: an imported key found by its original hash is moved to Keyward's, then verified as usual. */
  private async verifyMigrated(
    ctx: RequestContext,
    input: VerifyKeyInput,
    migrationId: string,
    event: VerificationEvent | undefined,
  ): Promise<VerifyKeyResult> {
    if (!(await this.migrated.claim(ctx, input.key, migrationId))) return NOT_FOUND;
    const { migrationId: _claimed, ...rest } = input;
    // `decide`, not `verify`: the verification that claimed the key is the one recorded, once.
    return this.decide(ctx, rest, event);
  }

  /**
   * Every autoApply limit at cost 1, plus each requested one (docs/unkey-compatibility.md, "Rate limits in verification"): an entry with both `limit`
   * and `duration` is ad-hoc (counted per key, id "", replacing a configured limit of that name);
   * any other must name a configured limit, else 412 before anything is counted. Later entries of the
   * same name replace earlier ones. One limiter call decides all of them, all-or-nothing: when one
   * fails, none is counted. If the limiter itself fails, by KEYWARD_RATELIMIT_FAILURE_MODE: open skips the limits
   * (undefined), closed refuses every one of them (ratelimit/failure-mode.ts).
   */
  private async checkRatelimits(
    key: KeyRecord,
    prepared: PreparedKey,
    requested: readonly VerifyRatelimitRequest[] | undefined,
    now: number,
  ): Promise<VerifyRatelimitResult[] | undefined> {
    let applied: readonly LimitConfig[] = prepared.autoApply;
    let checks: readonly LimitCheck[] = prepared.autoChecks;
    if (requested !== undefined && requested.length > 0) {
      const planned = new Map<string, { config: LimitConfig; cost: number }>();
      for (const config of prepared.autoApply) planned.set(config.name, { config, cost: 1 });
      for (const r of requested) {
        const cost = r.cost ?? 1;
        if (r.limit !== undefined && r.duration !== undefined) {
          const config = {
            id: '',
            name: r.name,
            limit: r.limit,
            // Upstream's minimum is 0; a window must be at least 1 ms long (the window arithmetic divides by it).
            duration: r.duration || 1,
            autoApply: false,
            counter: counterKey(key.workspaceId, r.name, key.id),
          };
          planned.set(r.name, { config, cost });
          continue;
        }
        const config = prepared.limits.get(r.name);
        if (config === undefined) {
          throw missingRatelimit(r.name, key);
        }
        planned.set(r.name, { config, cost });
      }
      const plan = [...planned.values()];
      applied = plan.map((p) => p.config);
      checks = plan.map(({ config, cost }) => ({ key: config.counter, limit: config.limit, duration: config.duration, cost }));
    }

    let decisions;
    try {
      decisions = await this.deps.limiter.check(checks, now);
    } catch (error) {
      this.limiterFailures.report(error);
      if (this.deps.ratelimitFailureMode !== 'closed') return undefined;
      decisions = decisionsWithoutLimiter(checks, now, 'closed');
    }
    return applied.map((config, i) => {
      const decision = decisions[i]!;
      return {
        exceeded: !decision.success,
        id: config.id,
        name: config.name,
        limit: config.limit,
        duration: config.duration,
        reset: decision.reset,
        remaining: decision.remaining,
        autoApply: config.autoApply,
      };
    });
  }

  /**
   * A refusal charges nothing but still reports a limited key's balance, read live: the cached record's
   * is behind by every spend since it was loaded. That is one primary-key read, no more than a charge
   * costs on the success path, and unlimited keys skip it.
   */
  private async refuse(
    code: KeyVerification['code'],
    key: KeyRecord,
    fields: VerifiedKeyFields,
    ratelimits?: VerifyRatelimitResult[],
  ): Promise<KeyVerification> {
    return answer(code, fields, key.remaining === null ? undefined : await this.deps.store.readCredits(key.id), ratelimits);
  }

  /**
   * Every verification of a found key counts as use, whatever its outcome: a refused attempt with a
   * disabled key is exactly the sign that someone still holds it.
   */
  private recordUsage(keyId: string, now: number): void {
    this.usage.record(keyId, now);
  }

  /** Writes buffered lastUsedAt times (run by the background jobs, on overflow, and at shutdown). */
  flushUsage(): Promise<void> {
    return this.usage.flush();
  }
}
