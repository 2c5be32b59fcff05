import { LRUCache } from 'lru-cache';
import type { Clock } from '../core/clock.js';

export interface SwrCacheOptions {
  /** Most entries kept; the least recently used are evicted first. 0 disables caching. */
  maxEntries: number;
  /** Served as is for this long after loading. */
  freshMs: number;
  /** Then served for this much longer while one background reload runs. */
  staleMs: number;
  clock: Clock;
}

/** A loaded value (undefined: a remembered miss), how long it may be served, and which load made it. */
interface Entry<V> {
  value: V | undefined;
  freshUntil: number;
  staleUntil: number;
  loadNumber: number;
}

type Load<V> = () => Promise<V | undefined>;

/**
 * A bounded stale-while-revalidate cache that also remembers misses, so unknown keys never reach
 * the database twice in a row. Concurrent loads of one key share a single query.
 *
 * lru-cache holds the entries and runs the loads (its fetch): it evicts the least recently used entry, shares a
 * load in flight, and keeps an entry whose background refresh failed. The two deadlines live in each entry rather
 * than in lru-cache's ttl, which knows one: past it, allowStale would serve a stale entry for ever.
 *
 * Invalidation is exact: deleting a key aborts its load in flight, which lru-cache then returns to its caller
 * (ignoreFetchAbort) but never stores, so a key deleted during a lookup cannot be cached alive; a get after the
 * invalidation starts a load of its own.
 */
export class SwrCache<V> {
  /** null when maxEntries is 0 (lru-cache needs a bound of at least 1; it allocates its index arrays up front). */
  private readonly entries: LRUCache<string, Entry<V>, Load<V>> | null;
  /** Keys whose load has not been stored yet, by load number: invalidateWhere cannot see their value, so it drops them. */
  private readonly loading = new Map<string, number>();
  private loads = 0;

  constructor(private readonly options: SwrCacheOptions) {
    this.entries =
      options.maxEntries === 0
        ? null
        : new LRUCache<string, Entry<V>, Load<V>>({
            max: options.maxEntries,
            fetchMethod: (key, _stale, { context }) => this.load(key, context),
            ignoreFetchAbort: true,
            noDeleteOnFetchRejection: true,
          });
  }

  get size(): number {
    return this.entries?.size ?? 0;
  }

  async get(key: string, load: Load<V>): Promise<V | undefined> {
    if (this.entries === null) return load();
    // While a refresh runs, lru-cache still answers the entry being refreshed.
    const entry = this.entries.get(key);
    if (entry !== undefined) {
      const now = this.options.clock.now();
      if (now < entry.freshUntil) return entry.value;
      if (now < entry.staleUntil) {
        // Stale: answer now, refresh in the background (a get during the refresh joins it); a failed refresh keeps the entry.
        this.refresh(this.entries, key, load).catch(() => undefined);
        return entry.value;
      }
    }
    // Missing, or past fresh + stale: wait for a load (the one in flight, if any).
    return (await this.refresh(this.entries, key, load))?.value;
  }

  /** Loads the key, or joins its load in flight; forceRefresh because an entry present is stale or expired. */
  private async refresh(entries: LRUCache<string, Entry<V>, Load<V>>, key: string, load: Load<V>): Promise<Entry<V> | undefined> {
    const entry = await entries.fetch(key, { forceRefresh: true, allowStale: false, context: load });
    // lru-cache has stored the entry by now (or dropped it, after an invalidation): the key is no longer loading.
    if (entry !== undefined && this.loading.get(key) === entry.loadNumber) this.loading.delete(key);
    return entry;
  }

  private async load(key: string, load: Load<V>): Promise<Entry<V>> {
    const number = ++this.loads;
    this.loading.set(key, number);
    let value: V | undefined;
    try {
      value = await load();
    } catch (error) {
      // A failed load stores nothing.
      if (this.loading.get(key) === number) this.loading.delete(key);
      throw error;
    }
    const now = this.options.clock.now();
    return { value, freshUntil: now + this.options.freshMs, staleUntil: now + this.options.freshMs + this.options.staleMs, loadNumber: number };
  }

  invalidate(key: string): void {
    this.entries?.delete(key);
  }

  /** Drops every entry whose value matches; misses are dropped too, since they match nothing yet. */
  invalidateWhere(matches: (value: V) => boolean): void {
    if (this.entries === null) return;
    const doomed = [...this.loading.keys()];
    this.entries.forEach((entry, key) => {
      if (entry.value === undefined || matches(entry.value)) doomed.push(key);
    });
    for (const key of doomed) this.entries.delete(key);
  }

  clear(): void {
    this.entries?.clear();
  }
}
