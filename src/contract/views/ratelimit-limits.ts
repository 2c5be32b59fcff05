import type { Static } from 'typebox';
import type { LimitData, MultiLimitData } from '../ratelimit.js';
import type { LimitOutcome } from '../../services/ratelimits.js';

/** ratelimit.limit's answer: `overrideId` is absent, never undefined or null, when no override matched. */
export function limitData(outcome: LimitOutcome): Static<typeof LimitData> {
  const data = { limit: outcome.limit, remaining: outcome.remaining, reset: outcome.reset, success: outcome.success };
  return outcome.overrideId === undefined ? data : { ...data, overrideId: outcome.overrideId };
}

/** One entry of ratelimit.multiLimit's `limits`: as limitData, plus what was asked, with `success` named `passed`. */
export function multiLimitItemData(outcome: LimitOutcome): Static<typeof MultiLimitData>['limits'][number] {
  const item = {
    namespace: outcome.namespace,
    identifier: outcome.identifier,
    limit: outcome.limit,
    remaining: outcome.remaining,
    reset: outcome.reset,
    passed: outcome.success,
  };
  return outcome.overrideId === undefined ? item : { ...item, overrideId: outcome.overrideId };
}
