/** By default a flush starts early once this many ids wait: memory stays bounded between jobs. */
const FLUSH_AT = 10_000;

/**
 * lastUsedAt's resolution: a use within this long after the one last noted for the same cached record (or after the
 * time the record was read with) is not written again. Each written time is a row rewritten in the store, and when
 * every verification is a different key that cost 35 us of CPU a verification on a 1,000,000-key SQLite store
 * (bench/RESULTS.md, "Session 19"); a hot key was written again by every flush.
 */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** A cached record's memory of the last use noted for it (`UsageBuffer.note`); starts at the stored lastUsedAt. */
export interface UsageNote {
  usageNotedAt: number;
}

/** A note for a record just read: its stored lastUsedAt, or no use yet. */
export const usageNoteFrom = (lastUsedAt: number | null): number => lastUsedAt ?? Number.NEGATIVE_INFINITY;

/**
 * Write-behind for lastUsedAt (keys and root keys): a use on the request path is at most one `Map.set` of id -> time
 * (`note`: none within LAST_USED_RESOLUTION_MS of the record's last), nothing awaited; `flush` hands what gathered to
 * `write` (one transaction), from the background job, on overflow and at shutdown. Best-effort: a crash loses at
 * most one job interval of times.
 */
export class UsageBuffer {
  /** id -> time of its latest use, waiting for `flush`. */
  private usage = new Map<string, number>();
  private writing: Promise<void> | undefined;
  private readonly flushAt: number;

  /** `flushAt` exists for tests. */
  constructor(
    private readonly write: (batch: ReadonlyMap<string, number>) => Promise<void>,
    options: { flushAt?: number } = {},
  ) {
    this.flushAt = options.flushAt ?? FLUSH_AT;
  }

  /**
   * Records a use of `id` unless one was noted for the same record less than LAST_USED_RESOLUTION_MS before. A clock
   * that went back records (the store never moves a time back).
   */
  note(note: UsageNote, id: string, now: number): void {
    const since = now - note.usageNotedAt;
    if (since >= 0 && since < LAST_USED_RESOLUTION_MS) return;
    note.usageNotedAt = now;
    this.record(id, now);
  }

  record(id: string, now: number): void {
    this.usage.set(id, now);
    if (this.usage.size >= this.flushAt && this.writing === undefined) {
      // Not awaited: a failure keeps the times for the next job, which reports it.
      this.flush().catch(() => undefined);
    }
  }

  /** Writes the buffered times. */
  async flush(): Promise<void> {
    // One write at a time; a caller arriving during one waits, then writes what came in since.
    while (this.writing) await this.writing.catch(() => undefined);
    if (this.usage.size === 0) return;
    const batch = this.usage;
    this.usage = new Map();
    const writing = this.write(batch);
    this.writing = writing;
    try {
      await writing;
    } catch (error) {
      // Put the times back for the next attempt (newer ones win), at most one batch's worth, so a database
      // outage cannot grow the map without limit.
      for (const [id, at] of batch) {
        if (this.usage.size >= this.flushAt) break;
        if (!this.usage.has(id)) this.usage.set(id, at);
      }
      throw error;
    } finally {
      if (this.writing === writing) this.writing = undefined;
    }
  }
}
