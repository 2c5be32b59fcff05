import type { Clock } from '../core/clock.js';
import { ThrottledWarning, type WarnSink } from '../core/throttled-warning.js';
import type { RatelimitEvent, VerificationEvent } from './events.js';
import { type PackedBatch, PackedBatchBuilder } from './packed-batch.js';

/**
 * The bounded in-memory buffer between the request path and an AnalyticsStore (docs/decisions/0014): recording an
 * event copies its fields into the typed columns of the batch being filled (src/analytics/packed-batch.ts, decision
 * 0028: no event object outlives its request) and counts it, never a promise, and never fails; writes happen in
 * batches, off the path of the request that recorded the event, one at a time.
 *
 * - A batch's worth of events schedules a write (on a later turn of the event loop, never inside the recording call);
 *   every `flushMs` whatever is buffered is written. Events recorded while a write is in flight wait for the next of
 *   those: writing them as soon as the write ends would, under steady load, write a small batch per write's duration
 *   instead of a full one per interval, and a store's cost is per batch and per key in a batch
 *   (src/analytics/blocks.ts), so small batches made every event dearer (bench/RESULTS.md, "Session 14"; decision 0042).
 * - A full buffer drops the new event, counts it `dropped` and says so in a rate-limited warning.
 * - A failed write is retried with backoff, the same batch first, so events keep their order. It is retried while
 *   the buffer has room; when the buffer is full at a retry, the batch is given up and counted `failed`, making room
 *   for newer events.
 * - `close()` writes everything still buffered, within a deadline; what it cannot write is counted `failed`.
 */

export type AnalyticsEventKind = 'verification' | 'ratelimit';
export type AnalyticsEventResult = 'written' | 'dropped' | 'failed';

/** Where the recorder counts what became of its events (keyward_analytics_events_total, src/http/metrics.ts). */
export interface AnalyticsCounts {
  analyticsEvents(kind: AnalyticsEventKind, result: AnalyticsEventResult, count: number): void;
  /** How long one batch write took by the recorder's clock (keyward_analytics_flush_seconds), whether it succeeded or failed. */
  analyticsFlush?(result: AnalyticsFlushResult, seconds: number): void;
}

export type AnalyticsFlushResult = 'success' | 'failure';

export interface AnalyticsRecorderOptions {
  /** Events held at most (both kinds together, the batch being written included): KEYWARD_ANALYTICS_BUFFER_EVENTS. */
  bufferEvents: number;
  /** Events per write, and the count that schedules one: KEYWARD_ANALYTICS_FLUSH_EVENTS. */
  flushEvents: number;
  /** Milliseconds between writes of whatever is buffered: KEYWARD_ANALYTICS_FLUSH_MS. */
  flushMs: number;
  /** Every event's `region`: KEYWARD_NODE_NAME. */
  region: string;
  clock: Clock;
  logger: WarnSink & { error(fields: Record<string, unknown>, message: string): void };
  counts?: AnalyticsCounts;
  /** The first retry's delay after a failed write, doubled per failure up to `retryMaxMs`. */
  retryMs?: number;
  retryMaxMs?: number;
  /** Tag characters held at most (default MAX_TAG_CHARACTERS). */
  maxTagCharacters?: number;
  /**
   * How long `close()` may take to write what is buffered (default 3 s: within the 5 s src/cli/start.ts gives all of
   * shutdown's flushing and closing, leaving the rest time for theirs).
   */
  closeDeadlineMs?: number;
}

const NO_COUNTS: AnalyticsCounts = { analyticsEvents() {} };

/** A batch taken from the buffer: packed into its builder's arrays, which are reused once it is released. */
type Taken = { packed: PackedBatch; tagCharacters: number; builder: PackedBatchBuilder };

/** Emptied builders kept for reuse: one being filled and one being written is the steady state. */
const SPARE_BUILDERS = 2;

/**
 * The buffer's bound in tag characters, apart from its bound in events: a verification may send 20 tags of 512
 * characters, so events alone would not bound its memory (100,000 such events would hold about 1 GB). 16 million
 * characters are 16-32 MB (one or two bytes each), 160 per event at the default buffer size; ordinary tags are far
 * shorter. An event whose tags do not fit is dropped like one that finds the buffer full.
 */
export const MAX_TAG_CHARACTERS = 16_000_000;

function tagCharacters(tags: readonly string[]): number {
  let characters = 0;
  for (const tag of tags) characters += tag.length;
  return characters;
}

export class AnalyticsRecorder {
  readonly region: string;
  /** Batches being filled, oldest first, each at most `flushEvents`; only the last one takes new events. */
  private filling: PackedBatchBuilder[] = [];
  /**
   * How many of the oldest `filling` batches are due, whatever their size: those that were there at the last interval
   * or flush. The last due batch takes no more events. A full batch is due anyway.
   */
  private due = 0;
  /** Events held: the batches being filled and the batch being written or waiting for its retry. */
  private held = 0;
  /** Tag characters of the events held. */
  private heldTagCharacters = 0;
  private readonly maxTagCharacters: number;
  /** A batch that was taken from the buffer and is not written yet (in flight or waiting for its retry). */
  private pending: Taken | null = null;
  /** Builders of batches written or given up, emptied, for the next batches (PackedBatchBuilder.buildReused). */
  private spare: PackedBatchBuilder[] = [];
  private failures = 0;
  /** The writing loop, while it runs: at most one, so at most one write is in flight. */
  private writing: Promise<void> | null = null;
  private scheduled = false;
  private retryTimer: NodeJS.Timeout | undefined;
  private readonly interval: NodeJS.Timeout;
  private closing: Promise<void> | null = null;
  private readonly counts: AnalyticsCounts;
  private readonly drops: ThrottledWarning;
  private readonly writeFailures: ThrottledWarning;
  private readonly retryMs: number;
  private readonly retryMaxMs: number;
  private readonly closeDeadlineMs: number;

  /**
   * `write` must be done reading the batch when its promise settles: the batch's arrays are reused for a later batch
   * (the stores copy it to their writer thread as they are called, src/analytics/writer-thread.ts).
   */
  constructor(
    private readonly write: (batch: PackedBatch) => Promise<void>,
    private readonly options: AnalyticsRecorderOptions,
  ) {
    this.region = options.region;
    this.counts = options.counts ?? NO_COUNTS;
    this.retryMs = options.retryMs ?? 100;
    this.retryMaxMs = options.retryMaxMs ?? 10_000;
    this.closeDeadlineMs = options.closeDeadlineMs ?? 3_000;
    this.maxTagCharacters = options.maxTagCharacters ?? MAX_TAG_CHARACTERS;
    this.drops = new ThrottledWarning(
      options.logger,
      options.clock,
      { where: 'analytics', setting: 'KEYWARD_ANALYTICS_BUFFER_EVENTS' },
      'analytics buffer full: events dropped (keyward_analytics_events_total{result="dropped"}); the store is not keeping up or not answering',
    );
    this.writeFailures = new ThrottledWarning(
      options.logger,
      options.clock,
      { where: 'analytics' },
      'analytics write failed; retrying with backoff while the buffer has room',
    );
    this.interval = setInterval(() => {
      this.makeAllDue();
      this.startWriting();
    }, options.flushMs);
    this.interval.unref();
  }

  /** Tag characters held now. */
  get tagCharacters(): number {
    return this.heldTagCharacters;
  }

  /** Events held now (keyward_analytics_buffer_events). */
  get size(): number {
    return this.held;
  }

  recordVerification(event: VerificationEvent): void {
    if (this.held >= this.options.bufferEvents || this.closing !== null) {
      this.drop('verification');
      return;
    }
    // Only requests that sent tags pay for counting them.
    if (event.tags.length > 0) {
      const characters = tagCharacters(event.tags);
      if (this.heldTagCharacters + characters > this.maxTagCharacters) {
        this.drop('verification');
        return;
      }
      this.heldTagCharacters += characters;
    }
    this.fillingBatch().addVerification(event);
    if (++this.held >= this.options.flushEvents) this.schedule();
  }

  recordRatelimit(event: RatelimitEvent): void {
    if (this.held >= this.options.bufferEvents || this.closing !== null) {
      this.drop('ratelimit');
      return;
    }
    this.fillingBatch().addRatelimit(event);
    if (++this.held >= this.options.flushEvents) this.schedule();
  }

  /** Writes everything buffered now, waiting for a write in flight first; resolves when it is written or waits for a retry. */
  async flush(): Promise<void> {
    await this.writing;
    this.makeAllDue();
    this.startWriting();
    await this.writing;
  }

  /**
   * Stops taking events and writes every one held, the batch waiting for a retry first, retrying failures until
   * `closeDeadlineMs` has passed; then what is left is counted `failed`. Never rejects.
   */
  close(): Promise<void> {
    this.closing ??= this.closeNow();
    return this.closing;
  }

  private async closeNow(): Promise<void> {
    clearInterval(this.interval);
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
    // A timer rather than the clock: a store that never answers must not hold the shutdown.
    let expired = false;
    let deadline: NodeJS.Timeout | undefined;
    const expiry = new Promise<void>((resolve) => {
      deadline = setTimeout(() => {
        expired = true;
        resolve();
      }, this.closeDeadlineMs);
    });
    const writeRest = async () => {
      await this.writing;
      this.makeAllDue();
      while (this.held > 0 && !expired) {
        if (await this.writeBatch()) continue;
        await Promise.race([sleep(this.backoff()), expiry]);
      }
    };
    await Promise.race([writeRest(), expiry]);
    clearTimeout(deadline);
    if (this.held > 0) {
      const { verifications, ratelimits } = this.takeAll();
      this.counts.analyticsEvents('verification', 'failed', verifications);
      this.counts.analyticsEvents('ratelimit', 'failed', ratelimits);
      this.options.logger.error(
        { where: 'analytics', verifications, ratelimits, deadlineMs: this.closeDeadlineMs },
        'analytics events could not be written before shutdown; they are lost',
      );
    }
  }

  /** The batch new events go into: the newest, or a new one when it holds a batch's worth. */
  private fillingBatch(): PackedBatchBuilder {
    let batch = this.filling.at(-1);
    if (batch === undefined || batch.size >= this.options.flushEvents || this.due === this.filling.length) {
      // Room for a batch's worth at first, up to a point (an interval's flush may hold far fewer).
      batch = this.spare.pop() ?? new PackedBatchBuilder(Math.min(this.options.flushEvents, 1_024));
      this.filling.push(batch);
    }
    return batch;
  }

  private drop(kind: AnalyticsEventKind): void {
    this.counts.analyticsEvents(kind, 'dropped', 1);
    this.drops.report(undefined);
  }

  /** A write on a later turn of the event loop: never inside the call that recorded the event. */
  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.startWriting();
    });
  }

  /** Every batch held now is written by the next writes, full or not. */
  private makeAllDue(): void {
    this.due = this.filling.length;
  }

  /** A batch waits for its retry, or the oldest batch being filled is due. */
  private hasDue(): boolean {
    if (this.pending !== null) return true;
    const oldest = this.filling[0];
    return oldest !== undefined && (this.due > 0 || oldest.size >= this.options.flushEvents);
  }

  private startWriting(): void {
    if (this.writing !== null || !this.hasDue() || this.retryTimer !== undefined || this.closing !== null) return;
    this.writing = this.writeAll().finally(() => {
      this.writing = null;
    });
  }

  /** Writes the due batches, oldest first, until none is left or a write fails (then a retry is scheduled). */
  private async writeAll(): Promise<void> {
    while (this.hasDue() && this.closing === null) {
      if (!(await this.writeBatch())) {
        this.retryTimer = setTimeout(() => {
          this.retryTimer = undefined;
          this.giveUpWhenFull();
          this.startWriting();
        }, this.backoff());
        this.retryTimer.unref();
        return;
      }
    }
  }

  /** Writes the pending batch, or takes the next one; true when it was written. Never rejects. */
  private async writeBatch(): Promise<boolean> {
    if (this.pending === null) this.pending = this.take();
    const batch = this.pending;
    const started = this.options.clock.now();
    try {
      await this.write(batch.packed);
      this.counts.analyticsFlush?.('success', (this.options.clock.now() - started) / 1000);
    } catch (error) {
      this.counts.analyticsFlush?.('failure', (this.options.clock.now() - started) / 1000);
      this.failures++;
      this.writeFailures.report(error);
      return false;
    }
    // Given up at the close deadline while it was in flight: counted `failed` already.
    if (this.pending !== batch) return true;
    this.release(batch);
    this.counts.analyticsEvents('verification', 'written', batch.packed.verifications);
    this.counts.analyticsEvents('ratelimit', 'written', batch.packed.ratelimits);
    if (this.writeFailures.failing) {
      this.writeFailures.recovered();
      this.options.logger.warn({ where: 'analytics' }, 'analytics writes succeed again');
    }
    return true;
  }

  /** The retry of a batch stops once the buffer is full: the batch is given up so newer events have room. */
  private giveUpWhenFull(): void {
    if (this.pending === null || this.held < this.options.bufferEvents) return;
    const { verifications, ratelimits } = this.pending.packed;
    this.release(this.pending);
    this.counts.analyticsEvents('verification', 'failed', verifications);
    this.counts.analyticsEvents('ratelimit', 'failed', ratelimits);
    this.options.logger.error(
      { where: 'analytics', verifications, ratelimits },
      'analytics batch given up after failed writes: the buffer is full; the events are lost',
    );
  }

  /**
   * The pending batch is done with (written or given up): its events no longer count against the bounds, and its
   * builder fills a later batch.
   */
  private release(batch: Taken): void {
    this.pending = null;
    batch.builder.reset();
    if (this.spare.length < SPARE_BUILDERS) this.spare.push(batch.builder);
    this.failures = 0;
    this.held -= batch.packed.verifications + batch.packed.ratelimits;
    this.heldTagCharacters -= batch.tagCharacters;
  }

  /** The oldest batch being filled, at most `flushEvents` events in the order they came, verifications first. */
  private take(): Taken {
    const oldest = this.filling.shift()!;
    if (this.due > 0) this.due--;
    return { packed: oldest.buildReused(), tagCharacters: oldest.tagCharacters, builder: oldest };
  }

  /** Empties everything held (at the close deadline); answers how many events of each kind it held. */
  private takeAll(): { verifications: number; ratelimits: number } {
    let verifications = this.pending?.packed.verifications ?? 0;
    let ratelimits = this.pending?.packed.ratelimits ?? 0;
    for (const batch of this.filling) {
      verifications += batch.verifications;
      ratelimits += batch.ratelimits;
    }
    this.filling = [];
    this.due = 0;
    this.pending = null;
    this.held = 0;
    this.heldTagCharacters = 0;
    return { verifications, ratelimits };
  }

  private backoff(): number {
    return Math.min(this.retryMaxMs, this.retryMs * 2 ** Math.max(0, this.failures - 1));
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
