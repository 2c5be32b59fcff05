import { KeywardError } from '../../core/errors.js';
import { keyCacheKey } from '../../cache/key-cache-key.js';
import { failsChecksum } from '../../core/checksummed-key.js';
import { hashKey } from '../../core/key-format.js';
import { evaluatePermissionQuery, parsePermissionQuery } from '../../core/permission-query.js';
import { grantsUrn, keyResource } from '../../core/permissions.js';
import { LimiterFailures } from '../../ratelimit/fail-open.js';
import type { RequestContext } from '../context.js';
import type { ServiceDeps } from '../deps.js';
import type { KeyRecord, KeyStanding } from '../../storage/store.js';
import { MIGRATED_KEY_START } from '../../core/key-migration.js';
import { MigratedKeys } from './migrated-keys.js';
import { CreditsLowAlerts, DEFAULT_CREDITS_THRESHOLDS } from '../alerts/credits-low.js';
import { UsageBuffer } from '../usage-buffer.js';
import type { VerificationEvent } from '../../analytics/events.js';
import type { AnalyticsRecorder } from '../../analytics/recorder.js';
import { answer, NOT_FOUND } from './answers.js';
import { type PreparedKey, prepare } from './prepared-key.js';
import { checkRatelimits } from './ratelimit-check.js';
import type { KeyVerification, VerifiedKeyFields, VerifyKeyInput, VerifyKeyResult, VerifyRatelimitResult } from './types.js';
import { describeKey, finishVerificationEvent, startVerificationEvent } from './verification-event.js';

/**
 * The verify hot path (docs/architecture.md, "Verification"; docs/unkey-compatibility.md, "Verification"). Every outcome is a value answered with HTTP 200;
 * only a malformed permissions query throws (400). Budget: one hash, one cache lookup (one query on
 * a miss), pure checks, one limiter call when the key has rate limits to apply, and for limited keys
 * one credit statement (a charge that re-checks the key is live and unchanged, or a read of the balance when nothing
 * is charged; a refused charge reads why). Nothing is logged or audited here (but for an imported key's first
 * verification, migrated-keys.ts), and lastUsedAt is buffered in memory and written by `flushUsage`, never awaited here.
 */

// Split by concern: types.ts (what is asked and answered), prepared-key.ts (what a record yields once),
// ratelimit-check.ts (the rate-limit step), answers.ts (building answers), verification-event.ts (analytics).

const VERIFY_ANY_API = 'api.*.verify_key';

/** How many times one verification decides, when its key keeps changing under its charge (see `verify`). */
const MAX_DECISIONS = 3;

/** The untrusted-proxy warning repeats at most this often. */
const PROXY_WARNING_INTERVAL_MS = 60 * 60 * 1000;

export class VerifyService {
  /**
   * Records from the key cache are immutable snapshots shared by every request that hits them, so
   * what is derived from one can be keyed by the record itself and dies with it when it is evicted.
   */
  private readonly prepared = new WeakMap<KeyRecord, PreparedKey>();
  /** KEYWARD_ALERT_CREDITS_THRESHOLDS is not off. */
  private readonly creditsAlertsOn: boolean;
  /** Keys' lastUsedAt, waiting for `flushUsage`. */
  private readonly usage: UsageBuffer;
  private readonly limiterFailures: LimiterFailures;
  private readonly migrated: MigratedKeys;
  /** `key.credits_low` alerts, claimed after a charge crosses a threshold (docs/decisions/0027). */
  readonly creditsAlerts: CreditsLowAlerts;
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
    this.creditsAlertsOn = (deps.creditsAlertThresholds ?? DEFAULT_CREDITS_THRESHOLDS).length > 0;
    this.creditsAlerts = new CreditsLowAlerts(deps.store, deps.creditsAlertThresholds ?? DEFAULT_CREDITS_THRESHOLDS, deps.logger);
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
    const event = startVerificationEvent(ctx, input, recorder);
    const result = await this.decide(ctx, input, event);
    finishVerificationEvent(event, result, started, this.deps.clock, recorder);
    return result;
  }

  /** The verification itself; `event`, when analytics is on, learns the key's ids and the credits charged. */
  private async decide(ctx: RequestContext, input: VerifyKeyInput, event: VerificationEvent | undefined): Promise<VerifyKeyResult> {
    const { store, keyCache } = this.deps;
    // A key of the checksummed shape whose checksum does not match was never issued: it answers as an unknown key
    // without touching the cache or the store, so mistyped and made-up keys cost neither a lookup nor a cache entry
    // (docs/decisions/0017-checksummed-key-format.md). Keys of any other shape go on as before.
    if (failsChecksum(input.key)) return NOT_FOUND;
    const hash = hashKey(input.key);
    const { workspaceId } = ctx;
    // Cached and looked up per (workspace, hash): another workspace's key is never read, so it is a miss like any
    // unknown key, in answer and in time. Misses are cached too, so guessing random keys costs the database
    // nothing after the first try. Random keys that never repeat are stopped before the cache by the workspace's
    // filter of the hashes it holds, once that is built: its "no", confirmed by a read of the change log that started
    // after this request, answers as a miss without a lookup or a cached entry (docs/decisions/0021-unknown-key-flood.md).
    const known = this.deps.knownKeys;
    const key =
      known !== undefined && !known.mayHold(workspaceId, hash) && (await known.confirmUnknown(workspaceId, hash))
        ? undefined
        : await keyCache.get(keyCacheKey(workspaceId, hash), () => this.lookUp(workspaceId, hash));
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
    this.recordUsage(key, now);
    // A sliding key's cached expiry can only lag (each use moves it on without a change to announce): one that looks
    // expired is read again, and the fresh record replaces the cached one.
    if (key.slidingExpiration !== null && key.expires !== null && now > key.expires) {
      const cacheKey = keyCacheKey(workspaceId, hash);
      keyCache.invalidate(cacheKey);
      const fresh = await keyCache.get(cacheKey, () => this.lookUp(workspaceId, hash));
      if (!fresh) return NOT_FOUND;
      record = fresh;
    }
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
        ratelimits = await checkRatelimits(this.deps, this.limiterFailures, record, prepared, input.ratelimits, now);
        if (ratelimits?.some((r) => r.exceeded)) {
          const alerts = this.deps.ratelimitAlerts;
          if (alerts !== undefined) {
            for (const r of ratelimits) if (r.exceeded) alerts.refused(record.workspaceId, { type: 'key', id: record.id }, r.name, now);
          }
          return this.refuse('RATE_LIMITED', record, prepared.fields, ratelimits);
        }
      }

      // A one-time key's single use is spent where credits are, and like a charge decided by one statement, so that
      // no cache on any node can make a second verification VALID (docs/decisions/0026).
      if (record.oneTime) {
        if (record.consumedAt !== null) return this.refuse('USAGE_EXCEEDED', record, prepared.fields, ratelimits);
        if (await store.consumeOneTimeKey(record.id, { now, updatedAt: record.updatedAt })) {
          // Every node's cache learns it is used up, so later verifications refuse it without a statement.
          await this.deps.bus.publish({ kind: 'key', workspaceId: record.workspaceId, hash: record.hash });
          return this.valid(record, prepared.fields, undefined, ratelimits, now);
        }
      } else {
        // Credits last. Whether the key is limited comes from the cached record (changing that publishes an
        // invalidation); the balance itself is only ever read and changed by single atomic statements.
        if (record.remaining === null) return this.valid(record, prepared.fields, undefined, ratelimits, now);
        const cost = input.credits?.cost ?? 1;
        // Cost 0 is a pure check: it always passes (even at a balance of 0) and reports the live balance.
        if (cost === 0) return this.valid(record, prepared.fields, await store.readCredits(record.id), ratelimits, now);
        // The charge re-checks, in its own statement, what the checks above read from a record that may be older than
        // a revocation committed meanwhile (docs/architecture.md, "Verification").
        const spend = await store.spendCredits(record.id, cost, { now, updatedAt: record.updatedAt });
        if (spend.charged) {
          if (event !== undefined) event.spentCredits = cost;
          if (this.creditsAlertsOn) this.creditsAlerts.afterSpend(record, cost, spend.remaining, now);
          return this.valid(record, prepared.fields, spend.remaining, ratelimits, now);
        }
        if (this.refusedForCredits(record, spend.key, cost, now)) {
          return answer('USAGE_EXCEEDED', prepared.fields, spend.key!.remaining, ratelimits);
        }
        if (!spend.key?.live) return NOT_FOUND;
      }
      // The key changed after this verification read it (or was used up by another): decide again on the key as it
      // is now, at the time it is now. Each pass needs another committed change of the key to fail again.
      if (attempt === MAX_DECISIONS) {
        throw new KeywardError('unexpected_error', `key '${record.id}' kept changing during its verification; nothing was charged`);
      }
      const fresh = await this.lookUp(record.workspaceId, record.hash);
      if (!fresh) return NOT_FOUND;
      record = fresh;
      if (event !== undefined) describeKey(event, record);
      now = this.deps.clock.now();
    }
  }

  /** The store's lookup of a key by hash, counted by what it found (keyward_key_store_lookups_total). */
  private async lookUp(workspaceId: string, hash: string): Promise<KeyRecord | undefined> {
    const found = await this.deps.store.findKeyByHash(workspaceId, hash);
    this.deps.keyLookups?.keyLookup(found === undefined ? 'not_found' : 'found');
    // A miss is what makes the workspace's filter worth building (it is built once, in the background).
    if (found === undefined) this.deps.knownKeys?.missed(workspaceId);
    return found;
  }

  /** A VALID answer; a sliding key's successful use moves its expiry on first, and the answer reports the new one. */
  private async valid(
    record: KeyRecord,
    fields: VerifiedKeyFields,
    credits: number | null | undefined,
    ratelimits: VerifyRatelimitResult[] | undefined,
    now: number,
  ): Promise<KeyVerification> {
    if (record.slidingExpiration === null) return answer('VALID', fields, credits, ratelimits);
    // Awaited: a verification on another node just after this one must see the later expiry. Undefined only when the
    // key went meanwhile; the verification was decided before that, as a charge that committed first would be.
    const expires = await this.deps.store.slideExpiry(record.id, now);
    return answer('VALID', expires === undefined ? fields : { ...fields, expires }, credits, ratelimits);
  }

  /** Whether a refused charge was refused for want of credits alone, on the key as this verification read it. */
  private refusedForCredits(record: KeyRecord, standing: KeyStanding | undefined, cost: number, now: number): boolean {
    if (!standing?.live) return false;
    return (
      standing.updatedAt === record.updatedAt &&
      standing.enabled &&
      (standing.expires === null || now <= standing.expires) &&
      standing.remaining !== null &&
      standing.remaining < cost
    );
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
  private recordUsage(key: KeyRecord, now: number): void {
    this.usage.note(this.preparedFor(key), key.id, now);
  }

  /** Writes buffered lastUsedAt times (run by the background jobs, on overflow, and at shutdown). */
  flushUsage(): Promise<void> {
    return this.usage.flush();
  }
}
