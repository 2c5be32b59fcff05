import type { AnalyticsBatch, RatelimitEvent, VerificationEvent } from './events.js';

/**
 * A batch as the recorder buffers it (src/analytics/recorder.ts, through PackedBatchBuilder) and the analytics writer
 * threads receive it (src/analytics/writer-thread.ts; sqlite-worker.ts, postgres-worker.ts): numbers in one
 * Float64Array and string references in one Int32Array, and each distinct string once. Posting the events themselves costs a structured clone of every object on this thread and a rebuild of
 * it on the writer's, about 2-2.5 us of CPU per event in all, which on a one-core node is the server's own time; the
 * packed form about a third of that (bench/RESULTS.md, "Analytics (issue 14)"). Strings repeat from event to event
 * (workspace, API, key, outcome, node), so most references point at a few strings; request ids never repeat, so they
 * travel as they are, not through the lookup.
 *
 * Exact both ways: every string is the same string and every number the same double (a Float64Array holds any
 * JavaScript number), so `unpackBatch(packBatch(b))` equals `b` (tested in packed-batch.test.ts).
 */

export interface PackedBatch {
  verifications: number;
  ratelimits: number;
  /** The distinct strings the references point at. */
  strings: string[];
  /** Request ids, verifications' then rate limits', in event order. */
  requestIds: string[];
  /** Per verification VERIFICATION_NUMBERS, then per rate limit RATELIMIT_NUMBERS. */
  numbers: Float64Array;
  /** Per verification its VERIFICATION_REFS string references, its tag count and its tags' references; then per rate limit RATELIMIT_REFS. */
  refs: Int32Array;
}

const VERIFICATION_NUMBERS = 3; // time, spentCredits, latency
const VERIFICATION_REFS = 7; // workspaceId, keySpaceId, keyId, identityId, externalId, outcome, region
const RATELIMIT_NUMBERS = 3; // time, latency, passed
const RATELIMIT_REFS = 5; // workspaceId, namespaceId, identifier, overrideId, region

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

/** Growable typed columns: doubled when full, so a builder's cost per event is a few stores. */
function grownFloat64(array: Float64Array, needed: number): Float64Array {
  if (needed <= array.length) return array;
  const grown = new Float64Array(Math.max(needed, array.length * 2));
  grown.set(array);
  return grown;
}

function grownInt32(array: Int32Array, needed: number): Int32Array {
  if (needed <= array.length) return array;
  const grown = new Int32Array(Math.max(needed, array.length * 2));
  grown.set(array);
  return grown;
}

/** Events a builder makes room for at first. */
const INITIAL_EVENTS = 256;

/**
 * A packed batch filled event by event (the recorder's buffer, src/analytics/recorder.ts, docs/decisions/0028): each
 * event's fields are copied into typed columns as it is recorded, so the event object is garbage at once, collected
 * young, instead of living in the buffer up to a flush interval and being promoted and collected old on the server's
 * thread. Only its request id (a string) is kept. Verifications and rate limits are kept apart and joined by `build`.
 */
export class PackedBatchBuilder {
  verifications = 0;
  ratelimits = 0;
  /** Characters of the verifications' tags (the recorder's bound). */
  tagCharacters = 0;
  private readonly strings = new Strings();
  private readonly verificationIds: string[] = [];
  private readonly ratelimitIds: string[] = [];
  private verificationNumbers = new Float64Array(INITIAL_EVENTS * VERIFICATION_NUMBERS);
  private verificationRefs = new Int32Array(INITIAL_EVENTS * (VERIFICATION_REFS + 1));
  private ratelimitNumbers = new Float64Array(0);
  private ratelimitRefs = new Int32Array(0);
  private vn = 0;
  private vr = 0;
  private rn = 0;
  private rr = 0;

  get size(): number {
    return this.verifications + this.ratelimits;
  }

  addVerification(event: VerificationEvent): void {
    const tags = event.tags;
    this.verificationNumbers = grownFloat64(this.verificationNumbers, this.vn + VERIFICATION_NUMBERS);
    this.verificationRefs = grownInt32(this.verificationRefs, this.vr + VERIFICATION_REFS + 1 + tags.length);
    const numbers = this.verificationNumbers;
    const refs = this.verificationRefs;
    const strings = this.strings;
    let n = this.vn;
    let r = this.vr;
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
    this.vn = n;
    this.vr = r;
    this.verificationIds.push(event.requestId);
    this.verifications++;
  }

  addRatelimit(event: RatelimitEvent): void {
    this.ratelimitNumbers = grownFloat64(this.ratelimitNumbers, this.rn + RATELIMIT_NUMBERS);
    this.ratelimitRefs = grownInt32(this.ratelimitRefs, this.rr + RATELIMIT_REFS);
    const numbers = this.ratelimitNumbers;
    const refs = this.ratelimitRefs;
    const strings = this.strings;
    let n = this.rn;
    let r = this.rr;
    numbers[n++] = event.time;
    numbers[n++] = event.latency;
    numbers[n++] = event.passed ? 1 : 0;
    refs[r++] = strings.ref(event.workspaceId);
    refs[r++] = strings.ref(event.namespaceId);
    refs[r++] = strings.ref(event.identifier);
    refs[r++] = strings.ref(event.overrideId);
    refs[r++] = strings.ref(event.region);
    this.rn = n;
    this.rr = r;
    this.ratelimitIds.push(event.requestId);
    this.ratelimits++;
  }

  /** The batch packed: verifications' columns, then rate limits', in fresh arrays that fit exactly. */
  build(): PackedBatch {
    const numbers = new Float64Array(this.vn + this.rn);
    numbers.set(this.verificationNumbers.subarray(0, this.vn));
    numbers.set(this.ratelimitNumbers.subarray(0, this.rn), this.vn);
    const refs = new Int32Array(this.vr + this.rr);
    refs.set(this.verificationRefs.subarray(0, this.vr));
    refs.set(this.ratelimitRefs.subarray(0, this.rr), this.vr);
    return {
      verifications: this.verifications,
      ratelimits: this.ratelimits,
      strings: this.strings.list,
      requestIds: this.ratelimits === 0 ? this.verificationIds : this.verificationIds.concat(this.ratelimitIds),
      numbers,
      refs,
    };
  }
}

/** The batch packed, and the buffers to transfer with it (postMessage's transfer list). */
export function packBatch(batch: AnalyticsBatch): { packed: PackedBatch; transfer: ArrayBuffer[] } {
  const builder = new PackedBatchBuilder();
  for (const event of batch.verifications) builder.addVerification(event);
  for (const event of batch.ratelimits) builder.addRatelimit(event);
  const packed = builder.build();
  return { packed, transfer: [packed.numbers.buffer as ArrayBuffer, packed.refs.buffer as ArrayBuffer] };
}

export function unpackBatch(packed: PackedBatch): AnalyticsBatch {
  const { strings, requestIds, numbers, refs } = packed;
  const verifications: VerificationEvent[] = new Array(packed.verifications);
  const ratelimits: RatelimitEvent[] = new Array(packed.ratelimits);
  let n = 0;
  let r = 0;
  let q = 0;
  for (let i = 0; i < packed.verifications; i++) {
    const time = numbers[n++]!;
    const spentCredits = numbers[n++]!;
    const latency = numbers[n++]!;
    const workspaceId = strings[refs[r++]!]!;
    const keySpaceId = strings[refs[r++]!]!;
    const keyId = strings[refs[r++]!]!;
    const identityId = strings[refs[r++]!]!;
    const externalId = strings[refs[r++]!]!;
    const outcome = strings[refs[r++]!]!;
    const region = strings[refs[r++]!]!;
    const tags: string[] = new Array(refs[r++]!);
    for (let t = 0; t < tags.length; t++) tags[t] = strings[refs[r++]!]!;
    verifications[i] = {
      time,
      requestId: requestIds[q++]!,
      workspaceId,
      keySpaceId,
      keyId,
      identityId,
      externalId,
      outcome,
      tags,
      spentCredits,
      latency,
      region,
    };
  }
  for (let i = 0; i < packed.ratelimits; i++) {
    const time = numbers[n++]!;
    const latency = numbers[n++]!;
    const passed = numbers[n++] === 1;
    ratelimits[i] = {
      time,
      requestId: requestIds[q++]!,
      workspaceId: strings[refs[r++]!]!,
      namespaceId: strings[refs[r++]!]!,
      identifier: strings[refs[r++]!]!,
      passed,
      latency,
      overrideId: strings[refs[r++]!]!,
      region: strings[refs[r++]!]!,
    };
  }
  return { verifications, ratelimits };
}
