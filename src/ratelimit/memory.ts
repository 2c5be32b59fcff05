import { decide, fixedWindow, type Decision } from '../core/rate-window.js';
import type { LimitCheck, Limiter } from './limiter.js';

interface Counter {
  sequence: number;
  current: number;
  previous: number;
}

/**
 * The single-node limiter. Checks run synchronously inside one call, so they are atomic on Node's
 * one thread without locks. Counters older than two windows carry no information and are swept.
 *
 * A plain Map rather than lru-cache: a bound on entries would evict live counters, and an evicted counter starts
 * again at zero, so many identifiers in one window would let others past their limit (limiter.ts promises
 * exactness). Without a bound, lru-cache warns of unbounded memory unless ttlAutopurge sets a timer per counter
 * write; and its ttl runs on its own clock, where these windows run on the `now` each check is given.
 */
export class MemoryLimiter implements Limiter {
  private readonly counters = new Map<string, Counter>();
  private checksSinceSweep = 0;

  async check(checks: readonly LimitCheck[], now: number): Promise<Decision[]> {
    // A batch may name one counter twice; later checks see the cost of earlier ones in the batch.
    const pending = new Map<string, Counter>();
    const decisions = checks.map((c) => {
      const id = `${c.duration}\u0000${c.key}`;
      const { sequence } = fixedWindow(now, c.duration);
      const stored = pending.get(id) ?? this.counters.get(id);
      const counts =
        stored === undefined || stored.sequence < sequence - 1
          ? { current: 0, previous: 0 }
          : stored.sequence === sequence
            ? { current: stored.current, previous: stored.previous }
            : { current: 0, previous: stored.current };
      pending.set(id, { sequence, current: counts.current + c.cost, previous: counts.previous });
      return decide(counts, c.limit, c.cost, now, c.duration);
    });
    if (decisions.every((d) => d.success)) {
      for (const [id, counter] of pending) this.counters.set(id, counter);
    }
    if (++this.checksSinceSweep >= 10_000) this.sweep(now);
    return decisions;
  }

  private sweep(now: number): void {
    this.checksSinceSweep = 0;
    for (const [id, counter] of this.counters) {
      const duration = Number(id.slice(0, id.indexOf('\u0000')));
      if (counter.sequence < fixedWindow(now, duration).sequence - 1) this.counters.delete(id);
    }
  }

  async close(): Promise<void> {
    this.counters.clear();
  }
}
