import type { Invalidation } from './bus.js';

/** A change as the store's log answers it (storage/change-log.ts); named here so the cache imports nothing of storage. */
export interface LoggedChange {
  seq: number;
  kind: string;
  workspaceId: string | null;
  hash: string | null;
}

/** The part of the store a follower reads. */
export interface ChangeSource {
  listChanges(afterSeq: number, missing: readonly number[], limit: number): Promise<LoggedChange[]>;
  lastChangeSeq(): Promise<number>;
}

/** How long changes stay in the log; server.ts prunes older ones. */
export const CHANGE_LOG_RETENTION_MS = 3_600_000;

/**
 * How long a skipped number is looked for. Changes are logged by the last statement before commit
 * (storage/sql/sql-store.ts), so a number skipped by a concurrent commit shows up within a poll or two; one that
 * never does belonged to a transaction that failed to commit.
 */
const MISSING_FOR_MS = 60_000;
/** Bounds the numbers looked for by each read (they are query parameters). */
const MAX_MISSING = 1000;
/** Rows per read; a reader that gets a full page reads again at once. */
const PAGE = 1000;
/** How far back the first read looks for numbers not yet visible when this node starts. */
const START_LOOKBACK = 100;

/**
 * Applies every node's changes from the database's change log to this node's caches (docs/decisions/0013): the path
 * that does not depend on Redis. `catchUp` is called on a short timer (KEYWARD_INVALIDATION_POLL_MS) and when the
 * Redis subscription returns. It reads what follows the highest number seen, plus the numbers skipped on the way:
 * on PostgreSQL a sequence number can become visible after a higher one (two commits in flight), and skipping it
 * for good would lose that change. A change is delivered once; changes this node made come back too, which costs
 * one more cache miss.
 */
export class ChangeFollower {
  private cursor = 0;
  /** Numbers skipped on the way, with when they were first missed. */
  private readonly missing = new Map<number, number>();
  private lastReadAt = 0;
  private reading: Promise<number> | undefined;
  /** The read that starts when the one in progress ends, shared by every `readAfterNow` caller meanwhile. */
  private next: Promise<number> | undefined;
  private stopped = false;

  constructor(
    private readonly source: ChangeSource,
    private readonly deliver: (message: Invalidation) => void,
    private readonly now: () => number,
  ) {}

  /** Starts at the end of the log: the caches are empty, so nothing before matters, except numbers still in flight. */
  async start(): Promise<void> {
    const last = await this.source.lastChangeSeq();
    const recent = await this.source.listChanges(Math.max(0, last - START_LOOKBACK), [], START_LOOKBACK);
    this.cursor = recent[0] ? recent[0].seq : last;
    for (const change of recent) this.advance(change.seq, this.now());
    this.cursor = last;
    this.lastReadAt = this.now();
  }

  /** Reads and delivers what is new; resolves with the number of changes delivered. A read in progress is joined. */
  catchUp(): Promise<number> {
    if (this.stopped) return Promise.resolve(0);
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  /**
   * A read that starts after this call, so it sees every change committed before it (docs/decisions/0021: what makes a
   * filter's "unknown" safe). Joins no read already under way, whose snapshot may be older: waits for it, then starts
   * the next one, which every caller meanwhile shares (at most one read in flight, one waiting).
   */
  readAfterNow(): Promise<number> {
    // Stopped (the node shutting down): no read will happen, and the caller must not act as if one had.
    if (this.stopped) return Promise.reject(new Error('the change log is no longer followed'));
    if (this.reading === undefined) return this.catchUp();
    this.next ??= this.reading
      .catch(() => 0)
      .then(() => {
        this.next = undefined;
        if (this.stopped) throw new Error('the change log is no longer followed');
        // A read started since the last one ended started after every caller of this one: joining it is enough.
        return this.catchUp();
      });
    return this.next;
  }

  /** No read after this; resolves once the one in progress, if any, has ended (before the store closes). */
  async stop(): Promise<void> {
    this.stopped = true;
    await this.reading?.catch(() => undefined);
  }

  private async read(): Promise<number> {
    const now = this.now();
    for (const [seq, since] of this.missing) if (now - since > MISSING_FOR_MS) this.missing.delete(seq);
    let delivered = 0;
    for (;;) {
      const changes = await this.source.listChanges(this.cursor, [...this.missing.keys()], PAGE);
      for (const change of changes) {
        if (change.seq > this.cursor) this.advance(change.seq, now);
        else if (!this.missing.delete(change.seq)) continue;
        this.deliver(invalidationOf(change));
        delivered += 1;
      }
      if (changes.length < PAGE) break;
    }
    // Away from the log for half its retention (the database unreachable): what was pruned meanwhile is lost to
    // this node, so it forgets everything once rather than keep a stale entry.
    if (now - this.lastReadAt > CHANGE_LOG_RETENTION_MS / 2) this.deliver({ kind: 'all' });
    this.lastReadAt = now;
    return delivered;
  }

  /** Moves the cursor to `seq`, remembering the numbers passed over as missing. */
  private advance(seq: number, now: number): void {
    for (let skipped = this.cursor + 1; skipped < seq && this.missing.size < MAX_MISSING; skipped++) this.missing.set(skipped, now);
    this.cursor = seq;
  }
}

/** A logged change as the bus message it was; a kind this version does not know (a newer node's) drops everything. */
function invalidationOf(change: LoggedChange): Invalidation {
  const { kind, workspaceId, hash } = change;
  if (kind === 'key' && workspaceId !== null && hash !== null) return { kind, workspaceId, hash };
  if (kind === 'rootKey' && hash !== null) return { kind, hash };
  if ((kind === 'workspace' || kind === 'ratelimitNamespace') && workspaceId !== null) return { kind, workspaceId };
  return { kind: 'all' };
}
