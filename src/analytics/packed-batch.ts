import type { AnalyticsBatch, RatelimitEvent, VerificationEvent } from './events.js';

/**
 * A batch as the recorder buffers it (src/analytics/recorder.ts, through PackedBatchBuilder) and the analytics writer
 * threads receive it (src/analytics/writer-thread.ts; sqlite-worker.ts, postgres-worker.ts): numbers in one
 * Float64Array and string references in one Int32Array, each distinct string once, and request ids as UTF-16 code units in one Uint16Array. Posting the events themselves costs a structured clone of every object on this thread and a rebuild of
 * it on the writer's, about 2-2.5 us of CPU per event in all, which on a one-core node is the server's own time; the
 * packed form about a third of that (bench/RESULTS.md, "Analytics (issue 14)"). Strings repeat from event to event
 * (workspace, API, key, outcome, node), so most references point at a few strings; request ids never repeat, so they
 * are copied as code units (exact for any string, a lone surrogate included) instead of being kept as strings: a
 * batch being filled then holds no object or string per event for the garbage collector to copy and mark.
 *
 * Exact both ways: every string is the same string and every number the same double (a Float64Array holds any
 * JavaScript number), so `unpackBatch(packBatch(b))` equals `b` (tested in packed-batch.test.ts).
 */

export interface PackedBatch {
  verifications: number;
  ratelimits: number;
  /** The distinct strings the references point at. */
  strings: string[];
  /** Per verification VERIFICATION_NUMBERS, then per rate limit RATELIMIT_NUMBERS. */
  numbers: Float64Array;
  /**
   * Per verification its request id's length, its VERIFICATION_REFS string references, its tag count and its tags'
   * references; then per rate limit its request id's length and its RATELIMIT_REFS.
   */
  refs: Int32Array;
  /** The request ids' UTF-16 code units, verifications' then rate limits', in event order. */
  requestIds: Uint16Array;
}

// The layout, also read in place by src/analytics/block-encoder.ts.
export const VERIFICATION_NUMBERS = 3; // time, spentCredits, latency
export const VERIFICATION_REFS = 7; // workspaceId, keySpaceId, keyId, identityId, externalId, outcome, region
export const RATELIMIT_NUMBERS = 3; // time, latency, passed
export const RATELIMIT_REFS = 5; // workspaceId, namespaceId, identifier, overrideId, region

class Strings {
  readonly list: string[] = [];
  private readonly index = new Map<string, number>();

  ref(value: string): number {
    let ref = this.index.get(value);
    if (ref === undefined) {
      ref = this.list.length;
      this.list.push(value);
      this.index.set(value, ref);
    }
    return ref;
  }
}

/** Growable typed columns, doubled when full, so adding an event costs a few stores. */
type Column = Float64Array | Int32Array | Uint16Array;

function grown<C extends Column>(array: C, needed: number): C {
  if (needed <= array.length) return array;
  const bigger = new (array.constructor as new (length: number) => C)(Math.max(needed, array.length * 2));
  bigger.set(array as never);
  return bigger;
}

/** One kind's columns while a batch is filled. */
class KindColumns {
  numbers: Float64Array;
  refs: Int32Array;
  chars: Uint16Array;
  n = 0;
  r = 0;
  c = 0;

  constructor(events: number, numbersPerEvent: number, refsPerEvent: number) {
    this.numbers = new Float64Array(events * numbersPerEvent);
    this.refs = new Int32Array(events * refsPerEvent);
    this.chars = new Uint16Array(events * 32);
  }

  /** Room for one more event of `numbers` numbers and `refs` references, and its request id. */
  reserve(numbers: number, refs: number, requestId: string): void {
    this.numbers = grown(this.numbers, this.n + numbers);
    this.refs = grown(this.refs, this.r + refs);
    this.chars = grown(this.chars, this.c + requestId.length);
  }

  clear(): void {
    this.n = 0;
    this.r = 0;
    this.c = 0;
  }

  requestId(value: string): void {
    const chars = this.chars;
    let c = this.c;
    for (let i = 0; i < value.length; i++) chars[c++] = value.charCodeAt(i);
    this.c = c;
    this.refs[this.r++] = value.length;
  }
}

/**
 * A packed batch filled event by event (the recorder's buffer, src/analytics/recorder.ts, docs/decisions/0028): each
 * event's fields are copied into typed columns as it is recorded, so the event object is garbage at once, collected
 * young, instead of living in the buffer up to a flush interval and being promoted and collected old on the server's
 * thread. Verifications and rate limits are kept apart and joined by `build`.
 */
export class PackedBatchBuilder {
  verifications = 0;
  ratelimits = 0;
  /** Characters of the verifications' tags (the recorder's bound). */
  tagCharacters = 0;
  private strings = new Strings();
  private readonly v: KindColumns;
  private readonly kept = { numbers: new Float64Array(0), refs: new Int32Array(0), requestIds: new Uint16Array(0) };
  private readonly rl = new KindColumns(0, RATELIMIT_NUMBERS, RATELIMIT_REFS + 1);

  /** `expected`: the verifications to make room for at first (the columns grow past it). */
  constructor(expected = 256) {
    this.v = new KindColumns(expected, VERIFICATION_NUMBERS, VERIFICATION_REFS + 2);
  }

  get size(): number {
    return this.verifications + this.ratelimits;
  }

  addVerification(event: VerificationEvent): void {
    const tags = event.tags;
    const v = this.v;
    v.reserve(VERIFICATION_NUMBERS, VERIFICATION_REFS + 2 + tags.length, event.requestId);
    v.requestId(event.requestId);
    const numbers = v.numbers;
    const refs = v.refs;
    const strings = this.strings;
    let n = v.n;
    let r = v.r;
    numbers[n++] = event.time;
    numbers[n++] = event.spentCredits;
    numbers[n++] = event.latency;
    refs[r++] = strings.ref(event.workspaceId);
    refs[r++] = strings.ref(event.keySpaceId);
    refs[r++] = strings.ref(event.keyId);
    refs[r++] = strings.ref(event.identityId);
    refs[r++] = strings.ref(event.externalId);
    refs[r++] = strings.ref(event.outcome);
    refs[r++] = strings.ref(event.region);
    refs[r++] = tags.length;
    for (let t = 0; t < tags.length; t++) {
      refs[r++] = strings.ref(tags[t]!);
      this.tagCharacters += tags[t]!.length;
    }
    v.n = n;
    v.r = r;
    this.verifications++;
  }

  addRatelimit(event: RatelimitEvent): void {
    const rl = this.rl;
    rl.reserve(RATELIMIT_NUMBERS, RATELIMIT_REFS + 1, event.requestId);
    rl.requestId(event.requestId);
    const numbers = rl.numbers;
    const refs = rl.refs;
    const strings = this.strings;
    let n = rl.n;
    let r = rl.r;
    numbers[n++] = event.time;
    numbers[n++] = event.latency;
    numbers[n++] = event.passed ? 1 : 0;
    refs[r++] = strings.ref(event.workspaceId);
    refs[r++] = strings.ref(event.namespaceId);
    refs[r++] = strings.ref(event.identifier);
    refs[r++] = strings.ref(event.overrideId);
    refs[r++] = strings.ref(event.region);
    rl.n = n;
    rl.r = r;
    this.ratelimits++;
  }

  /** The batch packed: verifications' columns, then rate limits', in fresh arrays that fit exactly (to transfer them). */
  build(): PackedBatch {
    const { v, rl } = this;
    return this.packInto(new Float64Array(v.n + rl.n), new Int32Array(v.r + rl.r), new Uint16Array(v.c + rl.c));
  }

  /**
   * The batch packed as `build` does, into arrays this builder keeps for every batch it fills after `reset()`: views
   * that stay valid until then. The recorder's batches live up to a flush interval and the write after it, long
   * enough for fresh arrays to be promoted; an old array's memory goes back only at a full mark-compact, so a new set
   * per batch made V8 start one about every second under load, with the concurrent marking on the core the server
   * shares (bench/RESULTS.md, "Session 15").
   */
  buildReused(): PackedBatch {
    const { v, rl } = this;
    const kept = this.kept;
    kept.numbers = grown(kept.numbers, v.n + rl.n);
    kept.refs = grown(kept.refs, v.r + rl.r);
    kept.requestIds = grown(kept.requestIds, v.c + rl.c);
    return this.packInto(kept.numbers.subarray(0, v.n + rl.n), kept.refs.subarray(0, v.r + rl.r), kept.requestIds.subarray(0, v.c + rl.c));
  }

  /** Empty again, its columns and packed arrays kept for the next batch (the arrays `buildReused` answered change). */
  reset(): void {
    this.verifications = 0;
    this.ratelimits = 0;
    this.tagCharacters = 0;
    this.strings = new Strings();
    this.v.clear();
    this.rl.clear();
  }

  private packInto(numbers: Float64Array, refs: Int32Array, requestIds: Uint16Array): PackedBatch {
    const { v, rl } = this;
    numbers.set(v.numbers.subarray(0, v.n));
    numbers.set(rl.numbers.subarray(0, rl.n), v.n);
    refs.set(v.refs.subarray(0, v.r));
    refs.set(rl.refs.subarray(0, rl.r), v.r);
    requestIds.set(v.chars.subarray(0, v.c));
    requestIds.set(rl.chars.subarray(0, rl.c), v.c);
    return { verifications: this.verifications, ratelimits: this.ratelimits, strings: this.strings.list, numbers, refs, requestIds };
  }
}

/** The batch packed, and the buffers to transfer with it (postMessage's transfer list). */
export function packBatch(batch: AnalyticsBatch): { packed: PackedBatch; transfer: ArrayBuffer[] } {
  const builder = new PackedBatchBuilder();
  for (const event of batch.verifications) builder.addVerification(event);
  for (const event of batch.ratelimits) builder.addRatelimit(event);
  const packed = builder.build();
  return { packed, transfer: [packed.numbers.buffer, packed.refs.buffer, packed.requestIds.buffer] as ArrayBuffer[] };
}

/** The tags of events that have none: one array, never written to. */
const NO_TAGS: string[] = [];

/**
 * Reads a packed batch event by event, verifications first, into its own fields: one object for the whole batch, so
 * the writer threads fold a batch (src/analytics/fold.ts) without building an object per event. It is a
 * VerificationEvent after `nextVerification()` and a RatelimitEvent after `nextRatelimit()`; read it before the next.
 */
export class PackedBatchReader implements VerificationEvent, RatelimitEvent {
  time = 0;
  requestId = '';
  workspaceId = '';
  keySpaceId = '';
  keyId = '';
  identityId = '';
  externalId = '';
  outcome = '';
  tags: string[] = NO_TAGS;
  spentCredits = 0;
  latency = 0;
  region = '';
  namespaceId = '';
  identifier = '';
  passed = false;
  overrideId = '';
  private n = 0;
  private r = 0;
  private c = 0;

  /** Without `requestIds`, `requestId` stays empty: a reader that does not need them makes no string per event. */
  constructor(
    private readonly packed: PackedBatch,
    private readonly options: { requestIds: boolean } = { requestIds: true },
  ) {}

  nextVerification(): this {
    const { numbers, refs, strings } = this.packed;
    this.requestId = this.nextRequestId(refs[this.r++]!);
    this.time = numbers[this.n++]!;
    this.spentCredits = numbers[this.n++]!;
    this.latency = numbers[this.n++]!;
    this.workspaceId = strings[refs[this.r++]!]!;
    this.keySpaceId = strings[refs[this.r++]!]!;
    this.keyId = strings[refs[this.r++]!]!;
    this.identityId = strings[refs[this.r++]!]!;
    this.externalId = strings[refs[this.r++]!]!;
    this.outcome = strings[refs[this.r++]!]!;
    this.region = strings[refs[this.r++]!]!;
    const count = refs[this.r++]!;
    if (count === 0) this.tags = NO_TAGS;
    else {
      this.tags = new Array(count);
      for (let t = 0; t < count; t++) this.tags[t] = strings[refs[this.r++]!]!;
    }
    return this;
  }

  nextRatelimit(): this {
    const { numbers, refs, strings } = this.packed;
    this.requestId = this.nextRequestId(refs[this.r++]!);
    this.time = numbers[this.n++]!;
    this.latency = numbers[this.n++]!;
    this.passed = numbers[this.n++] === 1;
    this.workspaceId = strings[refs[this.r++]!]!;
    this.namespaceId = strings[refs[this.r++]!]!;
    this.identifier = strings[refs[this.r++]!]!;
    this.overrideId = strings[refs[this.r++]!]!;
    this.region = strings[refs[this.r++]!]!;
    return this;
  }

  /** From its code units; in chunks, as String.fromCharCode takes them as arguments (request ids are short). */
  private nextRequestId(length: number): string {
    const chars = this.packed.requestIds;
    const start = this.c;
    const end = start + length;
    this.c = end;
    if (!this.options.requestIds) return '';
    let value = '';
    for (let from = start; from < end; from += 4_096) {
      value += String.fromCharCode.apply(null, chars.subarray(from, Math.min(end, from + 4_096)) as unknown as number[]);
    }
    return value;
  }
}

/** The events again, as objects (tests, and what needs them whole). */
export function unpackBatch(packed: PackedBatch): AnalyticsBatch {
  const reader = new PackedBatchReader(packed);
  const verifications: VerificationEvent[] = new Array(packed.verifications);
  const ratelimits: RatelimitEvent[] = new Array(packed.ratelimits);
  for (let i = 0; i < packed.verifications; i++) {
    const e = reader.nextVerification();
    verifications[i] = {
      time: e.time,
      requestId: e.requestId,
      workspaceId: e.workspaceId,
      keySpaceId: e.keySpaceId,
      keyId: e.keyId,
      identityId: e.identityId,
      externalId: e.externalId,
      outcome: e.outcome,
      // A fresh array for each event, as the events were recorded with.
      tags: e.tags === NO_TAGS ? [] : e.tags,
      spentCredits: e.spentCredits,
      latency: e.latency,
      region: e.region,
    };
  }
  for (let i = 0; i < packed.ratelimits; i++) {
    const e = reader.nextRatelimit();
    ratelimits[i] = {
      time: e.time,
      requestId: e.requestId,
      workspaceId: e.workspaceId,
      namespaceId: e.namespaceId,
      identifier: e.identifier,
      passed: e.passed,
      latency: e.latency,
      overrideId: e.overrideId,
      region: e.region,
    };
  }
  return { verifications, ratelimits };
}
