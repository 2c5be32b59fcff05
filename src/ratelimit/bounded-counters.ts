/** One limiter counter: the cost admitted in its latest fixed window and in the one before. */
export interface Counter {
  sequence: number;
  current: number;
  previous: number;
  /** When the counter stops mattering (Unix ms): the end of the window after its own. */
  expires: number;
  /** Checked again since eviction last passed it (or since it was made): it gets a second chance. */
  used: boolean;
}

export interface CounterCaps {
  /** Most counters in all. Past it, the workspaces holding the most lose their least recently used. */
  maxCounters: number;
  /** Most counters of one workspace. Past it, that workspace loses its least recently used. */
  maxPerWorkspace: number;
}

/** One workspace's counters, oldest first, and where eviction left off in them. */
export interface Group {
  counters: Map<string, Counter>;
  /**
   * Kept between evictions, so each starts where the last stopped. A fresh iterator would first step over every slot
   * the evictions emptied (V8 keeps them until it rehashes), which made each eviction cost the workspace's size.
   */
  hand: Iterator<[string, Counter]> | undefined;
}

/**
 * The memory limiter's counters, bounded (issue 11, finding 13; docs/operations.md, "Memory"). Counters are grouped
 * by workspace, each group a Map in insertion order. Three ways a counter leaves:
 *
 * - expired: past the end of the window after its own it carries nothing; an incremental sweep, a few counters per
 *   check, drops those without ever pausing for a full pass;
 * - its workspace is at `maxPerWorkspace`: its least recently used counter makes room, so a tenant flooding fresh
 *   identifiers evicts only its own windows;
 * - all together are at `maxCounters`: the workspaces holding the most are trimmed to a common level, one
 *   percent of the cap at a time, least recently used first. A workspace holding fewer counters than the
 *   flooders loses nothing.
 *
 * "Least recently used" is the second-chance (clock) approximation: a check, passed or refused, only sets `used`
 * (a field write, where moving the counter to the end of the Map on every check cost the hot path about a
 * microsecond, mostly in garbage); eviction walks from the oldest, moves a used counter to the end with its flag
 * cleared, and evicts the first unused one. So a window checked since eviction last passed it always survives that
 * pass, and identifiers seen once (a flood's) go before identifiers seen again, such as one held at its limit.
 *
 * An evicted counter starts again at zero on its next check: that identifier may be admitted up to its limit once
 * more in the current window. Counters that stay are exact.
 */
export class BoundedCounters {
  private readonly workspaces = new Map<string, Group>();
  private total = 0;
  /** The sweep's place: it walks workspaces, and counters within the current one. */
  private sweepWorkspaces: Iterator<[string, Group]> | undefined;
  private sweepCounters: Iterator<[string, Counter]> | undefined;
  private sweepCurrent: { workspace: string; group: Group } | undefined;

  constructor(private readonly caps: CounterCaps) {}

  get size(): number {
    return this.total;
  }

  sizeOf(workspace: string): number {
    return this.workspaces.get(workspace)?.counters.size ?? 0;
  }

  /**
   * The counters of one workspace: read with `counters.get`, then change a counter found there in place (setting
   * `used`) or `add` a new one. Hold it only within one synchronous check: the sweep drops a group it finds empty.
   */
  group(workspace: string): Group {
    let group = this.workspaces.get(workspace);
    if (group === undefined) {
      group = { counters: new Map(), hand: undefined };
      this.workspaces.set(workspace, group);
    }
    return group;
  }

  /** Adds a counter the group does not hold, evicting first to stay within the caps. */
  add(group: Group, id: string, counter: Counter): void {
    const { counters } = group;
    if (counters.size >= this.caps.maxPerWorkspace) this.evict(group, counters.size - this.caps.maxPerWorkspace + 1);
    if (this.total >= this.caps.maxCounters) this.trimLargest();
    counters.set(id, counter);
    this.total++;
  }

  /** Looks at up to `steps` counters where the sweep left off, dropping expired ones. */
  sweep(now: number, steps: number): void {
    for (let i = 0; i < steps; i++) {
      if (this.sweepCurrent === undefined || this.sweepCounters === undefined) {
        this.sweepWorkspaces ??= this.workspaces.entries();
        const next = this.sweepWorkspaces.next();
        if (next.done) {
          // A full pass is over; the next one starts at the next call.
          this.sweepWorkspaces = undefined;
          return;
        }
        const [workspace, group] = next.value;
        this.sweepCurrent = { workspace, group };
        this.sweepCounters = group.counters.entries();
      }
      const next = this.sweepCounters.next();
      if (next.done) {
        const { workspace, group } = this.sweepCurrent;
        if (group.counters.size === 0 && this.workspaces.get(workspace) === group) this.workspaces.delete(workspace);
        this.sweepCurrent = undefined;
        this.sweepCounters = undefined;
        continue;
      }
      const [id, counter] = next.value;
      if (now >= counter.expires) {
        this.sweepCurrent.group.counters.delete(id);
        this.total--;
      }
    }
  }

  clear(): void {
    this.workspaces.clear();
    this.total = 0;
    this.sweepWorkspaces = undefined;
    this.sweepCounters = undefined;
    this.sweepCurrent = undefined;
  }

  /** Evicts `count` counters of one group, second chance: a used counter is moved to the end, flag cleared, and kept. */
  private evict(group: Group, count: number): void {
    const { counters } = group;
    while (count > 0) {
      let next = group.hand?.next();
      if (next === undefined || next.done) {
        // An exhausted iterator stays done, even when counters are added after: start again from the oldest.
        group.hand = counters.entries();
        next = group.hand.next();
        if (next.done) return;
      }
      const [id, counter] = next.value;
      counters.delete(id);
      if (counter.used) {
        counter.used = false;
        counters.set(id, counter);
        continue;
      }
      this.total--;
      count--;
    }
  }

  /**
   * Frees one percent of the global cap (at least one counter) from the workspaces holding the most: finds the
   * highest level such that cutting every workspace above it down to it frees enough, and cuts them.
   */
  private trimLargest(): void {
    const excess = this.total - this.caps.maxCounters + Math.max(1, Math.floor(this.caps.maxCounters / 100));
    const sizes = [...this.workspaces.values()].map((g) => g.counters.size).sort((a, b) => b - a);
    let freed = 0;
    let level = 0;
    for (let i = 0; i < sizes.length; i++) {
      const next = sizes[i + 1] ?? 0;
      // Cutting the i + 1 largest from sizes[i] down to the next size frees this many.
      const step = (i + 1) * (sizes[i]! - next);
      if (freed + step >= excess) {
        level = sizes[i]! - Math.ceil((excess - freed) / (i + 1));
        break;
      }
      freed += step;
    }
    for (const group of this.workspaces.values()) {
      if (group.counters.size > level) this.evict(group, group.counters.size - level);
    }
  }
}
