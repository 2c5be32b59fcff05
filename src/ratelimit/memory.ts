import { decide, fixedWindow, type Decision } from '../core/rate-window.js';
import { BoundedCounters, type Counter, type CounterCaps } from './bounded-counters.js';
import type { LimitCheck, Limiter } from './limiter.js';

/** The defaults of KEYWARD_RATELIMIT_MAX_COUNTERS and KEYWARD_RATELIMIT_MAX_COUNTERS_PER_WORKSPACE (settings.ts). */
export const DEFAULT_MAX_COUNTERS = 250_000;
export const DEFAULT_MAX_COUNTERS_PER_WORKSPACE = 100_000;

/** The workspace a counter belongs to: callers scope every key as `<workspace id>:...` (limiter.ts). */
const workspaceOf = (key: string): string => {
  const colon = key.indexOf(':');
  return colon === -1 ? key : key.slice(0, colon);
};

/**
 * The single-node limiter. Checks run synchronously inside one call, so they are atomic on Node's one thread
 * without locks. Its counters are bounded (bounded-counters.ts): per workspace and in all, least recently used
 * evicted first, expired ones swept a few per check. A plain structure rather than lru-cache: eviction here is per
 * workspace, and these windows run on the `now` each check is given, not on a cache's own clock.
 */
export class MemoryLimiter implements Limiter {
  private readonly counters: BoundedCounters;

  constructor(caps: CounterCaps = { maxCounters: DEFAULT_MAX_COUNTERS, maxPerWorkspace: DEFAULT_MAX_COUNTERS_PER_WORKSPACE }) {
    this.counters = new BoundedCounters(caps);
  }

  /** Counters held now (the keyward_ratelimit_counters gauge). */
  get size(): number {
    return this.counters.size;
  }

  sizeOf(workspace: string): number {
    return this.counters.sizeOf(workspace);
  }

  async check(checks: readonly LimitCheck[], now: number): Promise<Decision[]> {
    // A batch may name one counter twice; later checks see the cost of earlier ones in the batch.
    const pending = new Map<string, { workspace: string; counter: Counter }>();
    const decisions = checks.map((c) => {
      const id = `${c.duration}\u0000${c.key}`;
      const workspace = workspaceOf(c.key);
      const { sequence } = fixedWindow(now, c.duration);
      const stored = pending.get(id)?.counter ?? this.counters.get(workspace, id);
      const counts =
        stored === undefined || stored.sequence < sequence - 1
          ? { current: 0, previous: 0 }
          : stored.sequence === sequence
            ? { current: stored.current, previous: stored.previous }
            : { current: 0, previous: stored.current };
      const counter = { sequence, current: counts.current + c.cost, previous: counts.previous, expires: (sequence + 2) * c.duration };
      pending.set(id, { workspace, counter });
      return decide(counts, c.limit, c.cost, now, c.duration);
    });
    if (decisions.every((d) => d.success)) {
      for (const [id, { workspace, counter }] of pending) this.counters.set(workspace, id, counter);
    } else {
      for (const [id, { workspace }] of pending) this.counters.touch(workspace, id);
    }
    // Enough steps that the sweep outruns the counters a check moves to the end of their workspace.
    this.counters.sweep(now, 2 * pending.size + 2);
    return decisions;
  }

  async close(): Promise<void> {
    this.counters.clear();
  }
}
