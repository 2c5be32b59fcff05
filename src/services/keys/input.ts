import { badInput } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { CreditOperation, KeyPatch, KeyRecord, Meta, NewRatelimit, RefillRecord } from '../../storage/store.js';

/** What key operations take, and the rules that turn it into what the store keeps (the ones the schema cannot express). */

export interface RefillInput {
  interval: 'daily' | 'monthly';
  amount: number;
  refillDay?: number;
}

export interface CreditsInput {
  remaining: number | null;
  refill?: RefillInput | null;
}

/** updateKey's credits: `remaining` may be absent, which changes only the refill. */
export interface UpdateCreditsDataInput {
  remaining?: number | null;
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
  oneTime?: boolean;
  slidingExpiration?: number;
}

export interface UpdateKeyInput {
  keyId: string;
  name?: string | null;
  externalId?: string | null;
  meta?: Meta | null;
  expires?: number | null;
  credits?: UpdateCreditsDataInput | null;
  ratelimits?: RatelimitInput[];
  enabled?: boolean;
  roles?: string[];
  permissions?: string[];
  slidingExpiration?: number | null;
}

export interface UpdateCreditsInput {
  keyId: string;
  operation: CreditOperation;
  value?: number | null;
}

export interface ListKeysInput {
  apiId: string;
  limit: number;
  cursor?: string;
  externalId?: string;
  search?: string;
  decrypt?: boolean;
}

export type Credits = Pick<KeyRecord, 'remaining' | 'refill'>;

const MINUTE_MS = 60_000;

/**
 * When a rerolled key stops verifying: `expiration` ms from now rounded up to a whole minute (0: now),
 * as upstream; but never later than the key already expired, so a reroll cannot extend an old key's life.
 */
export function rerollExpiry(now: number, expiration: number, current: number | null): number {
  const end = expiration === 0 ? now : Math.ceil((now + expiration) / MINUTE_MS) * MINUTE_MS;
  return current === null ? end : Math.min(current, end);
}

/** A one-time key is its own single use: credits on it would be a second, conflicting count of uses. */
export function refuseCreditsOnOneTime(oneTime: boolean, remaining: number | null | undefined): void {
  if (oneTime && remaining !== null && remaining !== undefined) {
    throw badInput('A one-time key cannot have credits: it is good for exactly one successful verification already.', [
      { location: 'body.credits', message: 'must be absent (or unlimited) on a one-time key' },
    ]);
  }
}

/** The stored form of a refill request; checks the rules the schema cannot express. */
export function refillFrom(credits: CreditsInput, operation: 'create' | 'update'): RefillRecord | null {
  const refill = credits.refill;
  if (!refill) return null;
  if (credits.remaining === null)
    throw badInput('`credits.refill` needs a number in `credits.remaining`; unlimited keys are never refilled.');
  if (refill.interval === 'monthly') {
    if (refill.refillDay === undefined) throw badInput('`refillDay` must be provided when the refill interval is `monthly`.');
    return { amount: refill.amount, day: refill.refillDay };
  }
  // Upstream ignores a daily refillDay on create and refuses it on update; so do we.
  if (operation === 'update' && refill.refillDay !== undefined)
    throw badInput('`refillDay` is only allowed when the refill interval is `monthly`.');
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

/**
 * updateKey's `credits`: null or `remaining: null` mean unlimited, which also clears refill; an absent refill stays.
 * An absent `remaining` (upstream's UpdateKeyCreditsData) changes only the refill and leaves the balance as it is;
 * `current` is the key's balance now, so a refill on an unlimited key is refused as when both are given.
 */
export function creditsPatch(credits: UpdateCreditsDataInput | null, current: number | null): Pick<KeyPatch, 'remaining' | 'refill'> {
  if (credits === null) return { remaining: null, refill: null };
  if (credits.remaining === undefined) {
    if (credits.refill === undefined) return {};
    return { refill: refillFrom({ remaining: current, refill: credits.refill }, 'update') };
  }
  const given = { remaining: credits.remaining, refill: credits.refill };
  const refill = refillFrom(given, 'update'); // the 400s: refill on an unlimited key, monthly without a day
  if (credits.remaining === null) return { remaining: null, refill: null };
  return credits.refill === undefined ? { remaining: credits.remaining } : { remaining: credits.remaining, refill };
}
