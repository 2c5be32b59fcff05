import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { AnalyticsBatch, RatelimitEvent, VerificationEvent } from './events.js';
import { unpackBatch } from './packed-batch.js';
import { AnalyticsRecorder, type AnalyticsEventKind, type AnalyticsEventResult, type AnalyticsRecorderOptions } from './recorder.js';

/** The recorder alone, on fake timers: every write, count and log line it makes. */

const verification = (n: number): VerificationEvent => ({
  time: n,
  requestId: `req_${n}`,
  workspaceId: 'ws_1',
  keySpaceId: 'api_1',
  keyId: `key_${n}`,
  identityId: '',
  externalId: '',
  outcome: 'VALID',
  tags: [],
  spentCredits: 0,
  latency: 0.1,
  region: 'node-a',
});

const ratelimit = (n: number): RatelimitEvent => ({
  time: n,
  requestId: `req_${n}`,
  workspaceId: 'ws_1',
  namespaceId: 'rlns_1',
  identifier: `user_${n}`,
  passed: true,
  latency: 0.1,
  overrideId: '',
  region: 'node-a',
});

interface Harness {
  recorder: AnalyticsRecorder;
  batches: AnalyticsBatch[];
  counts: Record<string, number>;
  warnings: string[];
  errors: string[];
}

/** `write` by default records the batch and resolves. */
function makeRecorder(
  options: Partial<AnalyticsRecorderOptions> = {},
  write?: (batch: AnalyticsBatch, batches: AnalyticsBatch[]) => Promise<void>,
): Harness {
  const batches: AnalyticsBatch[] = [];
  const counts: Record<string, number> = {};
  const warnings: string[] = [];
  const errors: string[] = [];
  const keep = async (batch: AnalyticsBatch) => {
    batches.push(batch);
  };
  // The recorder hands over packed batches (src/analytics/packed-batch.ts), unpacked here to be compared as events.
  const recorder = new AnalyticsRecorder((packed) => (write ? write(unpackBatch(packed), batches) : keep(unpackBatch(packed))), {
    bufferEvents: 100,
    flushEvents: 10,
    flushMs: 1_000,
    region: 'node-a',
    clock: { now: () => Date.now() },
    logger: { warn: (_fields, message) => warnings.push(message), error: (_fields, message) => errors.push(message) },
    counts: {
      analyticsEvents(kind: AnalyticsEventKind, result: AnalyticsEventResult, count: number) {
        counts[`${kind} ${result}`] = (counts[`${kind} ${result}`] ?? 0) + count;
      },
    },
    ...options,
  });
  return { recorder, batches, counts, warnings, errors };
}

const ids = (batches: AnalyticsBatch[]) => batches.flatMap((b) => b.verifications.map((v) => v.keyId));

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('AnalyticsRecorder', () => {
  it('writes a batch once a batch is buffered, on a later turn, never inside the recording call', async () => {
    const { recorder, batches, counts } = makeRecorder({ flushEvents: 3 });
    recorder.recordVerification(verification(1));
    recorder.recordRatelimit(ratelimit(2));
    recorder.recordVerification(verification(3));
    expect(batches).toHaveLength(0);
    expect(recorder.size).toBe(3);
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toEqual([{ verifications: [verification(1), verification(3)], ratelimits: [ratelimit(2)] }]);
    expect(recorder.size).toBe(0);
    expect(counts).toEqual({ 'verification written': 2, 'ratelimit written': 1 });
    await recorder.close();
  });

  it('writes what is buffered every flush interval, in batches of at most flushEvents', async () => {
    const { recorder, batches } = makeRecorder({ flushEvents: 4, flushMs: 1_000 });
    recorder.recordVerification(verification(1));
    await vi.advanceTimersByTimeAsync(999);
    expect(batches).toHaveLength(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(ids(batches)).toEqual(['key_1']);

    for (let i = 2; i <= 3; i++) recorder.recordVerification(verification(i));
    for (let i = 1; i <= 3; i++) recorder.recordRatelimit(ratelimit(i));
    // Five events: the fourth made a full batch, which is written at once; the fifth waits for the interval.
    await vi.advanceTimersByTimeAsync(0);
    expect(batches.slice(1)).toEqual([{ verifications: [verification(2), verification(3)], ratelimits: [ratelimit(1), ratelimit(2)] }]);
    await vi.advanceTimersByTimeAsync(999);
    expect(batches).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(batches.slice(2)).toEqual([{ verifications: [], ratelimits: [ratelimit(3)] }]);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(batches).toHaveLength(3);
    await recorder.close();
  });

  it('leaves events recorded during a write for the next interval: a slow store gets full batches, not a stream of small ones', async () => {
    const { recorder, batches } = makeRecorder({ flushEvents: 1_000, bufferEvents: 10_000, flushMs: 1_000 }, async (batch, batches) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      batches.push(batch);
    });
    // 10 events every 10 ms for 3 s against writes that take 20 ms each.
    for (let i = 0; i < 3_000; i++) {
      recorder.recordVerification(verification(i + 1));
      if (i % 10 === 9) await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(1_100);
    expect(ids(batches)).toEqual(Array.from({ length: 3_000 }, (_, i) => `key_${i + 1}`));
    // One batch per interval, each a second of events.
    expect(batches.map((batch) => batch.verifications.length)).toEqual([1_000, 1_000, 1_000]);
    await recorder.close();
  });

  it('packs batch after batch into the arrays of the batches written before: no new arrays per batch', async () => {
    // New arrays per batch lived long enough to be promoted and made V8 run a full GC about every second under load
    // (packed-batch.ts, buildReused; bench/analytics-recorder-gc.ts).
    const buffers = new Set<ArrayBufferLike>();
    const written: AnalyticsBatch[] = [];
    const recorder = new AnalyticsRecorder(
      async (packed) => {
        buffers.add(packed.numbers.buffer).add(packed.refs.buffer).add(packed.requestIds.buffer);
        written.push(unpackBatch(packed));
      },
      {
        bufferEvents: 100,
        flushEvents: 3,
        flushMs: 1_000,
        region: 'node-a',
        clock: { now: () => Date.now() },
        logger: { warn() {}, error() {} },
      },
    );
    const recorded: VerificationEvent[] = [];
    for (let batch = 0; batch < 10; batch++) {
      // A batch of another size and shape each time (tags, longer request ids), so reuse shows in the contents.
      for (let i = 0; i < 3; i++) {
        const event = {
          ...verification(batch * 10 + i),
          tags: batch % 2 ? ['a', `b${i}`] : [],
          requestId: `req_${'y'.repeat(batch * 5)}_${i}`,
        };
        recorded.push(event);
        recorder.recordVerification(event);
      }
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(written.flatMap((b) => b.verifications)).toEqual(recorded);
    expect(written).toHaveLength(10);
    // Three arrays per batch; a builder's arrays grow while batches outgrow them, then stay.
    expect(buffers.size).toBeLessThanOrEqual(3 * 4);
    await recorder.close();
  });

  it('has one write in flight at a time', async () => {
    let inFlight = 0;
    let most = 0;
    const { recorder, batches } = makeRecorder({ flushEvents: 2 }, async (batch, batches) => {
      inFlight++;
      most = Math.max(most, inFlight);
      await new Promise((resolve) => setTimeout(resolve, 50));
      batches.push(batch);
      inFlight--;
    });
    for (let i = 1; i <= 10; i++) {
      recorder.recordVerification(verification(i));
      await vi.advanceTimersByTimeAsync(10);
    }
    await vi.advanceTimersByTimeAsync(1_000);
    expect(most).toBe(1);
    expect(ids(batches)).toEqual(Array.from({ length: 10 }, (_, i) => `key_${i + 1}`));
    await recorder.close();
  });

  it('drops exactly what does not fit in a full buffer, counts it, and warns at most once per interval', async () => {
    const { recorder, counts, warnings } = makeRecorder({ bufferEvents: 5, flushEvents: 100 });
    for (let i = 0; i < 8; i++) recorder.recordVerification(verification(i));
    for (let i = 0; i < 4; i++) recorder.recordRatelimit(ratelimit(i));
    expect(recorder.size).toBe(5);
    expect(counts).toEqual({ 'verification dropped': 3, 'ratelimit dropped': 4 });
    expect(warnings.filter((w) => w.startsWith('analytics buffer full'))).toHaveLength(1);
    await recorder.close();
    expect(counts).toMatchObject({ 'verification written': 5 });
  });

  it('bounds the tag characters held too: an event whose tags do not fit is dropped and counted', async () => {
    const { recorder, batches, counts } = makeRecorder({ maxTagCharacters: 10, flushEvents: 100 });
    const tagged = (n: number, tags: string[]) => ({ ...verification(n), tags });
    recorder.recordVerification(tagged(1, ['abcd', 'ef']));
    recorder.recordVerification(tagged(2, ['abcde']));
    recorder.recordVerification(tagged(3, ['xy']));
    recorder.recordVerification(verification(4));
    recorder.recordVerification(tagged(5, ['zzz']));
    expect(recorder.tagCharacters).toBe(8);
    expect(counts).toEqual({ 'verification dropped': 2 });
    await recorder.flush();
    expect(ids(batches)).toEqual(['key_1', 'key_3', 'key_4']);
    expect(recorder.tagCharacters).toBe(0);
    recorder.recordVerification(tagged(6, ['abcdefghij']));
    expect(recorder.tagCharacters).toBe(10);
    await recorder.close();
    expect(recorder.tagCharacters).toBe(0);
  });

  it('retries a failed write with backoff, the same batch first, so events keep their order', async () => {
    let failuresLeft = 2;
    const attempts: number[] = [];
    const { recorder, batches, counts, warnings } = makeRecorder({ flushEvents: 3, retryMs: 100 }, async (batch, batches) => {
      attempts.push(Date.now());
      if (failuresLeft-- > 0) throw new Error('store down');
      batches.push(batch);
    });
    for (let i = 1; i <= 3; i++) recorder.recordVerification(verification(i));
    await vi.advanceTimersByTimeAsync(0);
    expect(batches).toHaveLength(0);
    // Recorded while the batch waits for its retry: written after it, at the next interval.
    for (let i = 4; i <= 5; i++) recorder.recordVerification(verification(i));
    await vi.advanceTimersByTimeAsync(99);
    expect(attempts).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(199);
    expect(attempts).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(1);
    expect(ids(batches)).toEqual(['key_1', 'key_2', 'key_3']);
    // The events recorded meanwhile: at the interval, 1 s after the first.
    await vi.advanceTimersByTimeAsync(699);
    expect(ids(batches)).toEqual(['key_1', 'key_2', 'key_3']);
    await vi.advanceTimersByTimeAsync(1);
    expect(ids(batches)).toEqual(['key_1', 'key_2', 'key_3', 'key_4', 'key_5']);
    expect(counts).toEqual({ 'verification written': 5, 'ratelimit written': 0 });
    expect(warnings).toContain('analytics write failed; retrying with backoff while the buffer has room');
    expect(warnings).toContain('analytics writes succeed again');
    await recorder.close();
  });

  it('gives a failing batch up, counted failed, once the buffer is full; newer events are written when the store is back', async () => {
    let down = true;
    const { recorder, batches, counts, errors } = makeRecorder(
      { bufferEvents: 4, flushEvents: 2, retryMs: 100 },
      async (batch, batches) => {
        if (down) throw new Error('store down');
        batches.push(batch);
      },
    );
    recorder.recordVerification(verification(1));
    recorder.recordVerification(verification(2));
    await vi.advanceTimersByTimeAsync(0);
    for (let i = 3; i <= 5; i++) recorder.recordVerification(verification(i));
    expect(counts['verification dropped']).toBe(1);
    down = false;
    await vi.advanceTimersByTimeAsync(100);
    expect(counts['verification failed']).toBe(2);
    expect(errors).toEqual(['analytics batch given up after failed writes: the buffer is full; the events are lost']);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(ids(batches)).toEqual(['key_3', 'key_4']);
    expect(counts['verification written']).toBe(2);
    await recorder.close();
  });

  it('close writes everything held, waiting for a retry, and takes no event after', async () => {
    let failuresLeft = 1;
    const { recorder, batches, counts } = makeRecorder({ flushEvents: 2, retryMs: 100 }, async (batch, batches) => {
      if (failuresLeft-- > 0) throw new Error('store down');
      batches.push(batch);
    });
    for (let i = 1; i <= 5; i++) recorder.recordVerification(verification(i));
    await vi.advanceTimersByTimeAsync(0);
    const closed = recorder.close();
    recorder.recordVerification(verification(6));
    await vi.advanceTimersByTimeAsync(1_000);
    await closed;
    expect(ids(batches)).toEqual(['key_1', 'key_2', 'key_3', 'key_4', 'key_5']);
    expect(counts).toMatchObject({ 'verification written': 5, 'verification dropped': 1 });
    expect(recorder.size).toBe(0);
  });

  it('close gives up at its deadline when the store never answers, counting what is left failed', async () => {
    const { recorder, counts, errors } = makeRecorder({ closeDeadlineMs: 2_000 }, () => new Promise<void>(() => {}));
    for (let i = 1; i <= 3; i++) recorder.recordVerification(verification(i));
    recorder.recordRatelimit(ratelimit(1));
    await vi.advanceTimersByTimeAsync(1_000);
    let done = false;
    const closed = recorder.close().then(() => (done = true));
    await vi.advanceTimersByTimeAsync(1_999);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await closed;
    expect(counts).toEqual({ 'verification failed': 3, 'ratelimit failed': 1 });
    expect(errors).toEqual(['analytics events could not be written before shutdown; they are lost']);
    expect(recorder.size).toBe(0);
  });

  it('a write that throws or rejects never reaches the caller', async () => {
    const { recorder, counts } = makeRecorder({ flushEvents: 1, retryMs: 10, retryMaxMs: 10, bufferEvents: 3 }, (batch) => {
      if (batch.verifications.length > 0) throw new Error('thrown synchronously');
      return Promise.reject(new Error('rejected'));
    });
    expect(() => {
      for (let i = 0; i < 10; i++) {
        recorder.recordVerification(verification(i));
        recorder.recordRatelimit(ratelimit(i));
      }
    }).not.toThrow();
    await vi.advanceTimersByTimeAsync(500);
    const closed = recorder.close();
    await vi.advanceTimersByTimeAsync(5_000);
    await expect(closed).resolves.toBeUndefined();
    expect(counts['verification written'] ?? 0).toBe(0);
    expect((counts['verification dropped'] ?? 0) + (counts['ratelimit dropped'] ?? 0)).toBeGreaterThan(0);
  });
  it("observes every batch write's duration by the recorder's clock, succeeded or failed", async () => {
    const flushes: [string, number][] = [];
    let call = 0;
    const { recorder, batches } = makeRecorder(
      {
        flushEvents: 1,
        retryMs: 1_000,
        counts: { analyticsEvents() {}, analyticsFlush: (result, seconds) => flushes.push([result, seconds]) },
      },
      async (batch, batches) => {
        call++;
        // The first write fails after 70 ms, its retry succeeds after 40 ms (fake time).
        await new Promise((resolve) => setTimeout(resolve, call === 1 ? 70 : 40));
        if (call === 1) throw new Error('store down');
        batches.push(batch);
      },
    );
    recorder.recordVerification(verification(1));
    await vi.advanceTimersByTimeAsync(100);
    expect(flushes).toEqual([['failure', 0.07]]);
    // The retry starts 1 s after the failure and takes 40 ms.
    await vi.advanceTimersByTimeAsync(1_010);
    expect(flushes).toEqual([
      ['failure', 0.07],
      ['success', 0.04],
    ]);
    expect(ids(batches)).toEqual(['key_1']);
    await recorder.close();
  });
});
