import type { KeyVerification, VerifiedKeyFields, VerifyRatelimitResult } from './types.js';

/** The answers verification builds: the one NOT_FOUND, and every answer about a found key. */

/** Nothing about the key: the same answer for unknown, other-workspace and masked keys, so none can be told apart. */
export const NOT_FOUND = Object.freeze({ valid: false, code: 'NOT_FOUND' } as const);

export function answer(
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
