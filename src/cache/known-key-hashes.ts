import type { Invalidation } from './bus.js';
import { BloomFilter, FilterPrints, newFilterSeed } from './bloom-filter.js';

/**
 * Which key hashes each workspace holds, as one Bloom filter per workspace, so a flood of well-formed unknown keys is
 * answered without one store lookup each (docs/decisions/0021-unknown-key-flood.md).
 *
 * - Built in the background, in pages of the workspace's hashes, the first time a verification of the workspace
 *   misses in the store; until then (and when a build fails) every lookup goes to the store as before.
 * - Kept current by the invalidations every node receives (bus and change log): a `key` change adds its hash (a key
 *   created, rerolled or imported logs one: records 0006, 0013); deletions leave it (a false positive costs one lookup);
 *   `workspace` drops the workspace's filter and `all` every filter, rebuilt on the next misses. Only hashes read from
 *   the store or the change log go in: nothing a request sends is ever added.
 * - Its "no" is never answered alone: a key committed on another node just before the request may not have reached
 *   this node yet (Redis slow or cut). `confirmUnknown` waits for a read of the change log that started after the
 *   request arrived (ChangeFollower.readAfterNow, one read shared by every request waiting), then asks again. A key
 *   committed before the request was sent is in that read; the store sees one change-log read per batch of unknown
 *   keys instead of one lookup per key.
 * - Its "no" counts only while every live node logs new key hashes (`trustNegatives`, from the node registry:
 *   docs/decisions/0034-filter-negatives-during-rolling-upgrades.md): during a rolling upgrade a node of an earlier
 *   version creates keys without logging them, so until it has left every lookup goes to the store, as before the filter.
 */

/** Hashes read per page while a filter is built: each page is one indexed range read, and the event loop runs between. */
const BUILD_PAGE = 5_000;
/** Headroom over the keys counted at build time (keys created afterwards), and the least a filter is sized for. */
const GROWTH = 1.5;
const MIN_CAPACITY = 1_024;
/**
 * A filter older than this is built again on its next miss, while the old one keeps answering: the backstop for keys
 * written without a logged change (by hand in SQL, or by a node of a version before this filter during an upgrade).
 */
export const KEY_FILTER_MAX_AGE_MS = 10 * 60_000;
/** After a failed build, the workspace's lookups go to the store for this long before another build is tried. */
const RETRY_AFTER_MS = 10_000;

/**
 * What the filters counted since start (keyward_key_filter_*, src/http/metrics.ts reads them at scrape time, so a
 * verification pays a field increment); never a key, a hash or a workspace. `passed`: a built filter may hold the hash
 * (the lookup goes on); `unknown`: answered unknown without a lookup; `late`: not held, then brought by the change-log
 * read (a key created a moment before); `untrusted`: not held, looked up because a node that does not log new key
 * hashes is live (a rolling upgrade); `built` and `failed`: builds.
 */
export interface KeyFilterStats {
  passed: number;
  unknown: number;
  late: number;
  untrusted: number;
  built: number;
  failed: number;
}

export interface KnownKeyHashesDeps {
  /** A page of the workspace's key hashes (Store.listKeyHashes). */
  listKeyHashes(workspaceId: string, after: string | null, limit: number): Promise<string[]>;
  /** A read of the change log that starts after the call (ChangeFollower.readAfterNow); its changes reach `apply`. */
  readChangesAfterNow(): Promise<unknown>;
  now(): number;
  /** Told why a build failed (the database away); the workspace's lookups go to the store meanwhile. */
  onBuildFailure?(error: unknown): void;
  /** Hashes per page read while building; absent: 5,000 (tests page through a few keys). */
  pageSize?: number;
}

interface Build {
  prints: FilterPrints;
}

interface WorkspaceFilter {
  /** The filter answering, once a build has finished. */
  ready: BloomFilter | undefined;
  builtAt: number;
  /** A build under way: it gathers the changes that arrive meanwhile too. */
  building: Build | undefined;
  /** Until when no build is tried, after one failed. */
  retryAt: number;
}

export class KnownKeyHashes {
  private readonly filters = new Map<string, WorkspaceFilter>();
  readonly stats: KeyFilterStats = { passed: 0, unknown: 0, late: 0, untrusted: 0, built: 0, failed: 0 };
  /** False while a node that does not log new key hashes is live, and until told otherwise (`trustNegatives`). */
  private negativesTrusted = false;

  constructor(private readonly deps: KnownKeyHashesDeps) {}

  /** False only when the workspace's filter is built and surely does not hold `hash`: then ask `confirmUnknown`. */
  mayHold(workspaceId: string, hash: string): boolean {
    const ready = this.filters.get(workspaceId)?.ready;
    if (ready === undefined) return true;
    if (ready.mayHold(hash)) {
      this.stats.passed++;
      return true;
    }
    return false;
  }

  /**
   * After `mayHold` said no: true when the hash is still not held after a change-log read that started after this call,
   * so no key with it was committed before the request. False (look it up) when it is held by then, or when the log
   * could not be read, or while negatives are not trusted (`trustNegatives`).
   */
  async confirmUnknown(workspaceId: string, hash: string): Promise<boolean> {
    if (!this.negativesTrusted) {
      this.stats.untrusted++;
      return false;
    }
    try {
      await this.deps.readChangesAfterNow();
    } catch {
      return false;
    }
    // Told meanwhile that such a node is live: the read cannot vouch for keys it created.
    if (!this.negativesTrusted) {
      this.stats.untrusted++;
      return false;
    }
    const ready = this.filters.get(workspaceId)?.ready;
    const unknown = ready !== undefined && !ready.mayHold(hash);
    if (unknown) {
      this.stats.unknown++;
      // A miss like one in the store: an old or full filter is built again (a filter that refuses every unknown key
      // would otherwise never see a store miss, and never be rebuilt).
      this.missed(workspaceId);
    } else this.stats.late++;
    return unknown;
  }

  /** A verification of the workspace missed in the store: builds its filter when it has none, or an old or full one. */
  missed(workspaceId: string): void {
    const now = this.deps.now();
    let entry = this.filters.get(workspaceId);
    if (entry === undefined) {
      entry = { ready: undefined, builtAt: 0, building: undefined, retryAt: 0 };
      this.filters.set(workspaceId, entry);
    }
    if (entry.building !== undefined || now < entry.retryAt) return;
    if (entry.ready !== undefined && !entry.ready.full && now - entry.builtAt < KEY_FILTER_MAX_AGE_MS) return;
    void this.build(workspaceId, entry);
  }

  /**
   * Whether every live node logs new key hashes (server.ts asks the node registry at start and every heartbeat; false
   * until it is told). False: a "no" of the filter is looked up in the store. From false to true every filter is dropped, builds under way
   * included: the keys a node of an earlier version created while it was up are in no filter and no log, and the next
   * misses build the filters again from the store, after that node has stopped writing.
   */
  trustNegatives(trusted: boolean): void {
    if (trusted && !this.negativesTrusted) this.filters.clear();
    this.negativesTrusted = trusted;
  }

  /** Applies an invalidation, from the bus or the change log (server.ts passes every one, as to the caches). */
  apply(message: Invalidation): void {
    switch (message.kind) {
      case 'key': {
        // A node of a version before 0003_key_hash_per_workspace names no workspace: every filter is rebuilt.
        if (typeof message.workspaceId !== 'string') {
          this.filters.clear();
          return;
        }
        const entry = this.filters.get(message.workspaceId);
        entry?.ready?.add(message.hash);
        entry?.building?.prints.push(message.hash);
        return;
      }
      case 'workspace':
        this.filters.delete(message.workspaceId);
        return;
      case 'all':
        this.filters.clear();
        return;
      default:
        return;
    }
  }

  /** Memory held by the filters' bits (keyward_key_filter_bytes). */
  get bytes(): number {
    let total = 0;
    for (const entry of this.filters.values()) total += entry.ready?.bytes ?? 0;
    return total;
  }

  /**
   * Reads the workspace's hashes page by page; the changes that arrive meanwhile are gathered too (`apply`), so a key
   * committed after a page was read is still in. Registered before the first page is read: any change delivered
   * after that is gathered, and any key committed before a page's read is in the page.
   */
  private async build(workspaceId: string, entry: WorkspaceFilter): Promise<void> {
    const build: Build = { prints: new FilterPrints(newFilterSeed()) };
    entry.building = build;
    const startedAt = this.deps.now();
    const pageSize = this.deps.pageSize ?? BUILD_PAGE;
    try {
      let after: string | null = null;
      for (;;) {
        const page = await this.deps.listKeyHashes(workspaceId, after, pageSize);
        // Dropped meanwhile (a `workspace` or `all` change): this build is stale, the next miss starts another.
        if (this.filters.get(workspaceId) !== entry || entry.building !== build) return;
        for (const hash of page) build.prints.push(hash);
        if (page.length < pageSize) break;
        after = page[page.length - 1]!;
      }
      const filter = new BloomFilter(Math.max(MIN_CAPACITY, Math.ceil(build.prints.length * GROWTH)), build.prints.seed);
      filter.addPrints(build.prints);
      entry.ready = filter;
      entry.builtAt = startedAt;
      entry.building = undefined;
      this.stats.built++;
    } catch (error) {
      if (entry.building === build) {
        entry.building = undefined;
        entry.retryAt = this.deps.now() + RETRY_AFTER_MS;
      }
      this.stats.failed++;
      this.deps.onBuildFailure?.(error);
    }
  }
}
