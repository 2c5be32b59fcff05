import type { AnalyticsBatch, RatelimitEvent, VerificationEvent } from './events.js';

/**
 * A batch as the SQLite analytics writer thread receives it (src/analytics/sqlite-store.ts, sqlite-worker.ts): numbers
 * in one Float64Array and string references in one Int32Array, both transferred rather than copied, and each distinct
 * string once. Posting the events themselves costs a structured clone of every object on this thread and a rebuild of
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

/** The batch packed, and the buffers to transfer with it (postMessage's transfer list). */
export function packBatch(batch: AnalyticsBatch): { packed: PackedBatch; transfer: ArrayBuffer[] } {
  const { verifications, ratelimits } = batch;
  let tagCount = 0;
  for (const event of verifications) tagCount += event.tags.length;
  const numbers = new Float64Array(verifications.length * VERIFICATION_NUMBERS + ratelimits.length * RATELIMIT_NUMBERS);
  const refs = new Int32Array(verifications.length * (VERIFICATION_REFS + 1) + tagCount + ratelimits.length * RATELIMIT_REFS);
  const requestIds: string[] = new Array(verifications.length + ratelimits.length);
  const strings = new Strings();
  let n = 0;
  let r = 0;
  let q = 0;
  for (const event of verifications) {
    numbers[n++] = event.time;
    numbers[n++] = event.spentCredits;
    numbers[n++] = event.latency;
    requestIds[q++] = event.requestId;
    refs[r++] = strings.ref(event.workspaceId);
    refs[r++] = strings.ref(event.keySpaceId);
    refs[r++] = strings.ref(event.keyId);
    refs[r++] = strings.ref(event.identityId);
    refs[r++] = strings.ref(event.externalId);
    refs[r++] = strings.ref(event.outcome);
    refs[r++] = strings.ref(event.region);
    refs[r++] = event.tags.length;
    for (const tag of event.tags) refs[r++] = strings.ref(tag);
  }
  for (const event of ratelimits) {
    numbers[n++] = event.time;
    numbers[n++] = event.latency;
    numbers[n++] = event.passed ? 1 : 0;
    requestIds[q++] = event.requestId;
    refs[r++] = strings.ref(event.workspaceId);
    refs[r++] = strings.ref(event.namespaceId);
    refs[r++] = strings.ref(event.identifier);
    refs[r++] = strings.ref(event.overrideId);
    refs[r++] = strings.ref(event.region);
  }
  const packed: PackedBatch = {
    verifications: verifications.length,
    ratelimits: ratelimits.length,
    strings: strings.list,
    requestIds,
    numbers,
    refs,
  };
  return { packed, transfer: [numbers.buffer, refs.buffer] };
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
