import { decide, fixedWindow, uncharged, type Decision, type WindowCounts } from '../core/rate-window.js';
import { BoundedCounters, type Counter, type CounterCaps, type Group } from './bounded-counters.js';
import type { LimitCheck, Limiter } from './limiter.js';

/** The defaults of KEYWARD_RATELIMIT_MAX_COUNTERS and KEYWARD_RATELIMIT_MAX_COUNTERS_PER_WORKSPACE (settings.ts). */
export const DEFAULT_MAX_COUNTERS = 250_000;
export const DEFAULT_MAX_COUNTERS_PER_WORKSPACE = 100_000;

/** The workspace a counter belongs to: callers scope every key as `<workspace id>:...` (limiter.ts). */
const workspaceOf = (key: string): string => {
  const colon = key.indexOf(':');
  return colon === -1 ? key : key.slice(0, colon);
};

/** The same key with another duration is another counter. */
const counterId = (c: LimitCheck): string => `${c.duration}\u0000${c.key}`;

/** What a stored counter still holds in window `sequence`: nothing once two windows have passed. */
function countsIn(stored: Counter | undefined, sequence: number): WindowCounts {
  if (stored === undefined || stored.sequence < sequence - 1) return { current: 0, previous: 0 };
  return stored.sequence === sequence ? { current: stored.current, previous: stored.previous } : { current: 0, previous: stored.current };
}

/** Writes into `counter` (found or new) what it holds once `c` is admitted at `sequence`. */
function admit(counter: Counter, counts: WindowCounts, c: LimitCheck, sequence: number): void {
  counter.sequence = sequence;
  counter.current = counts.current + c.cost;
  counter.previous = counts.previous;
  counter.expires = (sequence + 2) * c.duration;
}

const newCounter = (): Counter => ({ sequence: 0, current: 0, previous: 0, expires: 0, used: false });

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
    // One check is the common case (ratelimit.limit, most verifications): no batch bookkeeping for it.
    if (checks.length === 1) return [this.checkOne(checks[0]!, now)];
    // A batch may name one counter twice; later checks see the cost of earlier ones in the batch. Stored counters
    // change only once every check has passed, so the batch works on its own copies (`next`).
    const pending = new Map<string, { group: Group; stored: Counter | undefined; next: Counter | undefined }>();
    const decisions = checks.map((c) => {
      const id = counterId(c);
      let entry = pending.get(id);
      if (entry === undefined) {
        const group = this.counters.group(workspaceOf(c.key));
        const stored = group.counters.get(id);
        entry = { group, stored, next: stored };
        pending.set(id, entry);
      }
      const { sequence } = fixedWindow(now, c.duration);
      const counts = countsIn(entry.next, sequence);
      entry.next = newCounter();
      admit(entry.next, counts, c, sequence);
      return decide(counts, c.limit, c.cost, now, c.duration);
    });
    const passed = decisions.every((d) => d.success);
    // A refused batch charged nothing, so the checks that passed report what is left without any of its costs, as
    // upstream does (core/rate-window.ts, `uncharged`).
    if (!passed) {
      checks.forEach((c, i) => {
        const decision = decisions[i]!;
        if (!decision.success) return;
        const { sequence } = fixedWindow(now, c.duration);
        decision.remaining = uncharged(countsIn(pending.get(counterId(c))!.stored, sequence), c.limit, now, c.duration);
      });
    }
    for (const [id, { group, stored, next }] of pending) {
      if (stored === undefined) {
        if (passed) this.counters.add(group, id, next!);
        continue;
      }
      // Passed or refused, the identifier is in use: it gets a second chance at eviction.
      stored.used = true;
      if (passed) {
        stored.sequence = next!.sequence;
        stored.current = next!.current;
        stored.previous = next!.previous;
        stored.expires = next!.expires;
      }
    }
    // Enough steps that the sweep outruns the checks: every expired counter is reached within a bounded time.
    this.counters.sweep(now, 2 * pending.size + 2);
    return decisions;
  }

  private checkOne(c: LimitCheck, now: number): Decision {
    const id = counterId(c);
    const group = this.counters.group(workspaceOf(c.key));
    const { sequence } = fixedWindow(now, c.duration);
    const stored = group.counters.get(id);
    const counts = countsIn(stored, sequence);
    const decision = decide(counts, c.limit, c.cost, now, c.duration);
    if (stored !== undefined) {
      // Passed or refused, the identifier is in use: it gets a second chance at eviction.
      stored.used = true;
      if (decision.success) admit(stored, counts, c, sequence);
    } else if (decision.success) {
      const counter = newCounter();
      admit(counter, counts, c, sequence);
      this.counters.add(group, id, counter);
    }
    this.counters.sweep(now, 4);
    return decision;
  }

  async close(): Promise<void> {
    this.counters.clear();
  }
}
