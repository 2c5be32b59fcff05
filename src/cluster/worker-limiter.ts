import type { Decision } from '../core/rate-window.js';
import type { LimitCheck, Limiter } from '../ratelimit/limiter.js';
import type { PrimaryChannel } from './primary-channel.js';

/**
 * A worker's limiter without Redis: the primary owns the one in-memory limiter of the machine and decides every check
 * (docs/decisions/0022-workers-on-one-machine.md), so a limit is exact whichever worker a request reaches. It is
 * atomic there as the memory limiter is in one process: each call runs whole on the primary's one thread.
 */
export class PrimaryLimiter implements Limiter {
  constructor(private readonly channel: PrimaryChannel) {}

  async check(checks: readonly LimitCheck[], now: number): Promise<Decision[]> {
    const answer = await this.channel.request<{ decisions: Decision[] }>({ kw: 'limit', checks, now });
    return answer.decisions;
  }

  async close(): Promise<void> {}
}
