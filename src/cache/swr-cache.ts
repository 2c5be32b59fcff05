import { LRUCache } from 'lru-cache';
import type { Clock } from '../core/clock.js';

export interface SwrCacheOptions {
  /** Most found entries kept; the least recently used are evicted first. 0 disables caching. */
  maxEntries: number;
  /**
   * Most misses kept, in an LRU of their own, so a flood of unknown keys evicts only other misses, never a found
   * entry (issue 11, finding 13). 0: misses are not remembered. Absent: `maxEntries`.
   */
  maxMisses?: number;
  /** Served as is for this long after loading. */
  freshMs: number;
  /** Then served for this much longer while one background reload runs. */
  staleMs: number;
  clock: Clock;
}

interface Entry<V> {
  value: V | undefined;
  freshUntil: number;
  staleUntil: number;
}

/** lru-cache needs a bound of at least 1 (it allocates its index arrays up front): null when the bound is 0. */
const lru = <V>(max: number): LRUCache<string, Entry<V>> | null => (max === 0 ? null : new LRUCache<string, Entry<V>>({ max }));

/**
 * A bounded stale-while-revalidate cache that also remembers misses, so an unknown key repeated never reaches
 * the database twice in a row. Misses are bounded apart from found entries: random keys, which no cache can
 * spare the database, only ever push out other misses. Concurrent loads of one key share a single query.
 *
 * Invalidation is exact: every invalidation bumps an epoch, and a load that started before it is
 * returned to its caller but never stored, so a key deleted during a lookup cannot be cached alive.
 *
 * lru-cache holds the entries (the least recently used is evicted first). Its ttl and fetchMethod are not used:
 * its ttl knows one deadline, past which allowStale serves a stale entry for ever, where this cache has two (fresh,
 * then stale); and its fetch registers a listener on an AbortSignal per load, which costs about 12 us on Node 20,
 * fifteen times this whole miss path.
 */
export class SwrCache<V> {
  /** Found entries; null when maxEntries is 0. */
  private readonly entries: LRUCache<string, Entry<V>> | null;
  /** Misses (value undefined), bounded apart; null when maxMisses is 0. */
  private readonly misses: LRUCache<string, Entry<V>> | null;
  private readonly inflight = new Map<string, Promise<V | undefined>>();
  private epoch = 0;

  constructor(private readonly options: SwrCacheOptions) {
    this.entries = lru(options.maxEntries);
    this.misses = lru(options.maxEntries === 0 ? 0 : (options.maxMisses ?? options.maxEntries));
  }

  /** Found entries held. */
  get size(): number {
    return this.entries?.size ?? 0;
  }

  /** Misses held. */
  get missCount(): number {
    return this.misses?.size ?? 0;
  }

  async get(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const entry = this.entries?.get(key) ?? this.misses?.get(key);
    if (entry) {
      const now = this.options.clock.now();
      if (now < entry.freshUntil) return entry.value;
      if (now < entry.staleUntil) {
        // Stale: answer now, refresh in the background; a failed refresh keeps the stale entry.
        this.load(key, load).catch(() => undefined);
        return entry.value;
      }
    }
    return this.load(key, load);
  }

  private load(key: string, load: () => Promise<V | undefined>): Promise<V | undefined> {
    const running = this.inflight.get(key);
    if (running) return running;
    const startedAt = this.epoch;
    const promise = load().then(
      (value) => {
        if (this.inflight.get(key) === promise) this.inflight.delete(key);
        if (startedAt === this.epoch) this.store(key, value);
        return value;
      },
      (error: unknown) => {
        if (this.inflight.get(key) === promise) this.inflight.delete(key);
        throw error;
      },
    );
    this.inflight.set(key, promise);
    return promise;
  }

  private store(key: string, value: V | undefined): void {
    const now = this.options.clock.now();
    const entry = { value, freshUntil: now + this.options.freshMs, staleUntil: now + this.options.freshMs + this.options.staleMs };
    // One key is in one of the two at most: a reload that finds what was a miss (or the reverse) moves it.
    if (value === undefined) {
      this.entries?.delete(key);
      this.misses?.set(key, entry);
    } else {
      this.misses?.delete(key);
      this.entries?.set(key, entry);
    }
  }

  invalidate(key: string): void {
    this.epoch++;
    this.entries?.delete(key);
    this.misses?.delete(key);
    this.inflight.delete(key);
  }

  /** Drops every entry whose value matches; misses are dropped too, since they match nothing yet. */
  invalidateWhere(matches: (value: V) => boolean): void {
    this.epoch++;
    const doomed: string[] = [];
    this.entries?.forEach((entry, key) => {
      if (matches(entry.value as V)) doomed.push(key);
    });
    for (const key of doomed) this.entries?.delete(key);
    this.misses?.clear();
    this.inflight.clear();
  }

  clear(): void {
    this.epoch++;
    this.entries?.clear();
    this.misses?.clear();
    this.inflight.clear();
  }
}
