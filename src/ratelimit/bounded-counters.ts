/** One limiter counter: the cost admitted in its latest fixed window and in the one before. */
export interface Counter {
  sequence: number;
  current: number;
  previous: number;
  /** When the counter stops mattering (Unix ms): the end of the window after its own. */
  expires: number;
}

export interface CounterCaps {
  /** Most counters in all. Past it, the workspaces holding the most lose their least recently used. */
  maxCounters: number;
  /** Most counters of one workspace. Past it, that workspace loses its least recently used. */
  maxPerWorkspace: number;
}

/**
 * The memory limiter's counters, bounded (issue 11, finding 13; docs/operations.md, "Memory"). Counters are grouped
 * by workspace, each group a Map in least-recently-used order (a check moves its counters to the end, whether it
 * passed or not, so an identifier held at its limit is never the first to go). Three ways a counter leaves:
 *
 * - expired: past the end of the window after its own it carries nothing; an incremental sweep, a few counters per
 *   check, drops those without ever pausing for a full pass;
 * - its workspace is at `maxPerWorkspace`: its least recently used counter makes room, so a tenant flooding fresh
 *   identifiers evicts only its own windows;
 * - all together are at `maxCounters`: the workspaces holding the most are trimmed to a common level, one
 *   percent of the cap at a time, least recently used first. A workspace holding fewer counters than the
 *   flooders loses nothing.
 *
 * An evicted counter starts again at zero on its next check: that identifier may be admitted up to its limit once
 * more in the current window. Counters that stay are exact.
 */
/** One workspace's counters, least recently used first, and where eviction left off in them. */
interface Group {
  counters: Map<string, Counter>;
  /**
   * Kept between evictions: every counter before it has been evicted, so it stands at the least recently used one.
   * A fresh iterator would first step over every slot the evictions emptied (V8 keeps them until it rehashes),
   * which made each eviction cost as much as the workspace's size.
   */
  oldest: Iterator<string> | undefined;
}

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

  get(workspace: string, id: string): Counter | undefined {
    return this.workspaces.get(workspace)?.counters.get(id);
  }

  /** Stores `counter` as the most recently used of its workspace, evicting to stay within the caps. */
  set(workspace: string, id: string, counter: Counter): void {
    let group = this.workspaces.get(workspace);
    if (group === undefined) {
      group = { counters: new Map(), oldest: undefined };
      this.workspaces.set(workspace, group);
    }
    const { counters } = group;
    if (counters.delete(id)) {
      counters.set(id, counter);
      return;
    }
    if (counters.size >= this.caps.maxPerWorkspace) this.evictOldest(group, counters.size - this.caps.maxPerWorkspace + 1);
    if (this.total >= this.caps.maxCounters) this.trimLargest();
    counters.set(id, counter);
    this.total++;
  }

  /** Marks an existing counter as just used (a refused check still shows the identifier is active). */
  touch(workspace: string, id: string): void {
    const counters = this.workspaces.get(workspace)?.counters;
    const counter = counters?.get(id);
    if (counter === undefined) return;
    counters!.delete(id);
    counters!.set(id, counter);
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

  /** Drops the `count` least recently used counters of one workspace (an emptied workspace is dropped by the sweep). */
  private evictOldest(group: Group, count: number): void {
    for (let i = 0; i < count; i++) {
      let next = group.oldest?.next();
      if (next === undefined || next.done) {
        // Exhausted iterators stay done: start again from the front, which holds no emptied slot now.
        group.oldest = group.counters.keys();
        next = group.oldest.next();
        if (next.done) return;
      }
      group.counters.delete(next.value);
      this.total--;
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
      if (group.counters.size > level) this.evictOldest(group, group.counters.size - level);
    }
  }
}
