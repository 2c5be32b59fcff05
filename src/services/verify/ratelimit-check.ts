import { KeywardError } from '../../core/errors.js';
import type { LimiterFailures } from '../../ratelimit/fail-open.js';
import { decisionsWithoutLimiter } from '../../ratelimit/failure-mode.js';
import type { LimitCheck } from '../../ratelimit/limiter.js';
import type { KeyRecord } from '../../storage/store.js';
import type { ServiceDeps } from '../deps.js';
import { counterKey, type LimitConfig, type PreparedKey } from './prepared-key.js';
import type { VerifyRatelimitRequest, VerifyRatelimitResult } from './types.js';

/** The rate-limit step of verification: which limits one request applies, and one limiter call to decide them. */

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

/**
 * Every autoApply limit at cost 1, plus each requested one (docs/unkey-compatibility.md, "Rate limits in verification"): an entry with both `limit`
 * and `duration` is ad-hoc (counted per key, id "", replacing a configured limit of that name);
 * any other must name a configured limit, else 412 before anything is counted. Later entries of the
 * same name replace earlier ones. One limiter call decides all of them, all-or-nothing: when one
 * fails, none is counted. If the limiter itself fails, by KEYWARD_RATELIMIT_FAILURE_MODE: open skips the limits
 * (undefined), closed refuses every one of them (ratelimit/failure-mode.ts).
 */
export async function checkRatelimits(
  deps: ServiceDeps,
  limiterFailures: LimiterFailures,
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
    decisions = await deps.limiter.check(checks, now);
  } catch (error) {
    limiterFailures.report(error);
    if (deps.ratelimitFailureMode !== 'closed') return undefined;
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
