import type { Clock } from '../../core/clock.js';
import { KeywardError } from '../../core/errors.js';
import type { Limiter } from '../../ratelimit/limiter.js';
import { sha256 } from './tokens.js';

/**
 * Failed sign-ins and MFA codes, counted in the rate limiter (in memory on one node, in Redis across nodes). Only
 * failures count; a blocked caller is refused before its attempt is judged. Counter keys start with `dashboard:`, the
 * limiter's per-workspace bound then applying to all of them together (ratelimit/bounded-counters.ts).
 */
const WINDOW_MS = 15 * 60_000;
export const SIGN_IN_LIMITS = { perAccount: 5, perAddress: 20, mfaPerAccount: 10, windowMs: WINDOW_MS } as const;

type Counter = { key: string; limit: number };

export class SignInLimit {
  constructor(private readonly deps: { limiter: Limiter; clock: Clock }) {}

  private accountCounter = (email: string): Counter => ({
    key: `dashboard:account:${sha256(email.toLowerCase())}`,
    limit: SIGN_IN_LIMITS.perAccount,
  });
  private addressCounter = (ip: string | null): Counter => ({
    key: `dashboard:address:${ip ?? 'unknown'}`,
    limit: SIGN_IN_LIMITS.perAddress,
  });
  private mfaCounter = (operatorId: string): Counter => ({ key: `dashboard:mfa:${operatorId}`, limit: SIGN_IN_LIMITS.mfaPerAccount });

  /** The 429 to answer for a sign-in now, or undefined when the account and the address may try. */
  signInBlocked(email: string, ip: string | null): Promise<KeywardError | undefined> {
    return this.blocked([this.accountCounter(email), this.addressCounter(ip)]);
  }

  signInFailed(email: string, ip: string | null): Promise<void> {
    return this.count([this.accountCounter(email), this.addressCounter(ip)]);
  }

  /** For calls that name no account (the setup link): the address's counter only. */
  addressBlocked(ip: string | null): Promise<KeywardError | undefined> {
    return this.blocked([this.addressCounter(ip)]);
  }

  addressFailed(ip: string | null): Promise<void> {
    return this.count([this.addressCounter(ip)]);
  }

  mfaBlocked(operatorId: string, ip: string | null): Promise<KeywardError | undefined> {
    return this.blocked([this.mfaCounter(operatorId), this.addressCounter(ip)]);
  }

  mfaFailed(operatorId: string, ip: string | null): Promise<void> {
    return this.count([this.mfaCounter(operatorId), this.addressCounter(ip)]);
  }

  private async blocked(counters: Counter[]): Promise<KeywardError | undefined> {
    const now = this.deps.clock.now();
    // Cost 0 only reads; it passes exactly at the limit (core/rate-window.ts), so "no room left" is remaining 0.
    const decisions = await this.deps.limiter.check(
      counters.map((c) => ({ ...c, duration: WINDOW_MS, cost: 0 })),
      now,
    );
    const full = decisions.filter((d) => !d.success || d.remaining === 0);
    if (full.length === 0) return undefined;
    const retryAfter = Math.max(1, Math.ceil((Math.max(...full.map((d) => d.reset)) - now) / 1000));
    return new KeywardError('sign_in_rate_limited', `Too many failed attempts; try again in ${retryAfter} seconds.`, [], {
      'retry-after': String(retryAfter),
    });
  }

  private async count(counters: Counter[]): Promise<void> {
    const now = this.deps.clock.now();
    // One check per counter: a batch commits nothing when one of them is full, and each failure must count in each.
    await Promise.all(counters.map((c) => this.deps.limiter.check([{ ...c, duration: WINDOW_MS, cost: 1 }], now)));
  }
}
