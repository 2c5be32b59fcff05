/** By default a flush starts early once this many ids wait: memory stays bounded between jobs. */
const FLUSH_AT = 10_000;

/**
 * Write-behind for lastUsedAt (keys and root keys): each use on the request path is one `Map.set` of id -> time,
 * nothing awaited; `flush` hands what gathered to `write` (one transaction), from the background job, on
 * overflow and at shutdown. Best-effort: a crash loses at most one job interval of times.
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
