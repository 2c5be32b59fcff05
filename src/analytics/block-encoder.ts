import { type PackedBatch, RATELIMIT_NUMBERS, RATELIMIT_REFS, VERIFICATION_NUMBERS, VERIFICATION_REFS } from './packed-batch.js';
import { canonicalTags } from './schema.js';

/**
 * A packed batch's raw events as blocks (src/analytics/blocks.ts), read straight from its typed columns
 * (src/analytics/packed-batch.ts): each block's events are written as JSON bytes into one buffer, which SQLite's
 * INSERT casts to TEXT and PostgreSQL's cuts per block from one bytea (src/analytics/postgres-write.ts). Building the
 * same text from strings made a dozen strings per event (each value's JSON, the event's array, the block's growing
 * text) and the raw table's column arrays, and that garbage cost the writer thread, which shares the server's core, as
 * much CPU as SQLite's own work (bench/RESULTS.md, "Session 14"). Here an event makes at most one string: its
 * latency's shortest decimal form.
 *
 * The text is the one JSON.stringify makes of each event's array (tested against it in block-encoder.test.ts):
 * a request id of plain printable ASCII is copied byte by byte, the batch's shared strings are encoded once per batch,
 * and any other string is written as JSON.stringify writes it (escapes, a lone surrogate as \uXXXX), then as UTF-8.
 */

/** A block row, in blockInsertSql's order: the shared values, first_time, last_time, and the events' JSON bytes. */
export type BlockRow = (string | number | Buffer)[];

export interface PackedBlocks {
  verifications: BlockRow[];
  ratelimits: BlockRow[];
  /**
   * Every block's events, back to back from the first byte: the verification rows' in order, then the rate-limit
   * rows'. Each row's last value holds the same bytes (a view into these, or into the buffer before it grew).
   */
  bytes: Buffer;
}

/** ES2024's String methods, in Node 20; the project's TypeScript lib predates them. */
export type Es2024String = string & { isWellFormed(): boolean; toWellFormed(): string };

// Packed layout (packed-batch.ts): per verification VERIFICATION_NUMBERS numbers (time, spentCredits, latency) and the
// references requestIdLength, workspaceId, keySpaceId, keyId, identityId, externalId, outcome, region, tagCount,
// tags...; per rate limit RATELIMIT_NUMBERS numbers (time, latency, passed) and requestIdLength, workspaceId,
// namespaceId, identifier, overrideId, region. Time is each event's first number in both.
const V_FIXED_REFS = VERIFICATION_REFS + 2;
const RL_REFS = RATELIMIT_REFS + 1;

/** A growable output buffer, kept between batches: the blocks of one batch are written before the next is encoded. */
const FIRST_BYTES = 1 << 20;
let out = Buffer.allocUnsafe(FIRST_BYTES);
let at = 0;
/** Past this, a buffer that a batch of long tags made large is let go before the next batch instead of kept. */
const KEPT_BYTES = 16 << 20;

function room(bytes: number): void {
  if (at + bytes <= out.length) return;
  const bigger = Buffer.allocUnsafe(Math.max(out.length * 2, at + bytes));
  out.copy(bigger, 0, 0, at);
  out = bigger;
}

function byte(value: number): void {
  room(1);
  out[at++] = value;
}

/**
 * For PostgreSQL, whose json refuses the \uD800-style escape JSON.stringify writes for a lone surrogate: such a
 * string is made well-formed first (U+FFFD), as src/analytics/postgres-write.ts does for the shared values.
 */
let wellFormed = false;

/** A string as JSON.stringify writes it, then as UTF-8. */
function jsonString(value: string): void {
  const json = JSON.stringify(wellFormed ? (value as Es2024String).toWellFormed() : value);
  room(Buffer.byteLength(json));
  at += out.write(json, at, 'utf8');
}

/** Plain printable ASCII needs no escape in JSON: copied as is. */
const plain = (code: number): boolean => code >= 0x20 && code < 0x7f && code !== 0x22 && code !== 0x5c;

/** A request id from its code units, as jsonString would write it: byte by byte when it is plain ASCII. */
function jsonChars(chars: Uint16Array, start: number, length: number): void {
  room(length + 2);
  let i = 0;
  out[at] = 0x22;
  for (; i < length; i++) {
    const code = chars[start + i]!;
    if (!plain(code)) break;
    out[at + 1 + i] = code;
  }
  if (i === length) {
    out[at + 1 + length] = 0x22;
    at += length + 2;
    return;
  }
  let value = '';
  for (let c = 0; c < length; c++) value += String.fromCharCode(chars[start + c]!);
  jsonString(value);
}

/**
 * The batch's strings (region, outcome, override) as JSON bytes, each encoded once when first written: a batch's
 * events share a handful of them.
 */
class StringBytes {
  private readonly bytes: (Buffer | undefined)[] = [];

  constructor(private readonly strings: readonly string[]) {}

  write(ref: number): void {
    let bytes = this.bytes[ref];
    if (bytes === undefined) {
      const value = this.strings[ref]!;
      bytes = Buffer.from(JSON.stringify(wellFormed ? (value as Es2024String).toWellFormed() : value), 'utf8');
      this.bytes[ref] = bytes;
    }
    copied(bytes);
  }
}

/** A few bytes, copied one by one: shorter than a call into Buffer.copy. */
function copied(bytes: Buffer): void {
  const length = bytes.length;
  room(length);
  for (let i = 0; i < length; i++) out[at + i] = bytes[i]!;
  at += length;
}

/** The tags of most events, none, as their JSON text in a JSON string. */
const NO_TAGS_BYTES = Buffer.from(JSON.stringify(canonicalTags([])), 'utf8');

/** Text of ASCII characters only (a number's), copied code unit by code unit: shorter than a call into Buffer.write. */
function ascii(text: string): void {
  const length = text.length;
  room(length);
  for (let i = 0; i < length; i++) out[at + i] = text.charCodeAt(i);
  at += length;
}

/** The digits of a whole number below 2^31, with at least `width` digits (zeros in front). */
function smallDigits(value: number, width: number): void {
  let digits = 1;
  for (let rest = value; rest >= 10; rest = (rest / 10) | 0) digits++;
  if (digits < width) digits = width;
  room(digits);
  let rest = value;
  for (let d = digits - 1; d >= 0; d--) {
    const next = (rest / 10) | 0;
    out[at + d] = 0x30 + rest - next * 10;
    rest = next;
  }
  at += digits;
}

/**
 * A number as JSON.stringify writes it; a whole number below 10^15 (times in milliseconds, credits) without making a
 * string, in integer steps: the part above 10^9 and the nine digits below it.
 */
function jsonNumber(value: number): void {
  if (Number.isInteger(value) && value >= 0 && value < 1e15) {
    if (value < 1e9) {
      smallDigits(value, 1);
      return;
    }
    const high = Math.floor(value / 1e9);
    smallDigits(high, 1);
    smallDigits(value - high * 1e9, 9);
    return;
  }
  ascii(JSON.stringify(value));
}

/** Events grouped by their shared references, in the order each group first appears; each group's events in batch order. */
class Groups {
  private readonly bySelective = new Map<number, Group[]>();
  readonly list: Group[] = [];

  /** `refs` is read at `offset`, `shared` values; `selective` is the index of the value that tells most groups apart. */
  add(refs: Int32Array, offset: number, shared: number, selective: number, event: number): void {
    const key = refs[offset + selective]!;
    let candidates = this.bySelective.get(key);
    if (candidates === undefined) {
      candidates = [];
      this.bySelective.set(key, candidates);
    }
    for (const group of candidates) {
      let same = true;
      for (let s = 0; s < shared && same; s++) same = group.refs[s] === refs[offset + s];
      if (same) {
        group.events.push(event);
        return;
      }
    }
    const group: Group = { refs: Array.from(refs.subarray(offset, offset + shared)), events: [event] };
    candidates.push(group);
    this.list.push(group);
  }
}

interface Group {
  refs: number[];
  events: number[];
}

/** Writes each group's events as one JSON array with `event`, and answers the groups' rows. */
function encode(
  groups: Groups,
  strings: readonly string[],
  numbers: Float64Array,
  numbersPerEvent: number,
  event: (e: number) => void,
): BlockRow[] {
  const rows: BlockRow[] = [];
  const spans: [number, number][] = [];
  for (const group of groups.list) {
    const start = at;
    let first = Number.POSITIVE_INFINITY;
    let last = Number.NEGATIVE_INFINITY;
    byte(0x5b);
    for (let i = 0; i < group.events.length; i++) {
      const e = group.events[i]!;
      if (i > 0) byte(0x2c);
      event(e);
      const time = numbers[e * numbersPerEvent]!;
      if (time < first) first = time;
      if (time > last) last = time;
    }
    byte(0x5d);
    spans.push([start, at]);
    rows.push([...group.refs.map((ref) => strings[ref]!), first, last]);
  }
  // Views into the buffer once it has stopped growing.
  for (let g = 0; g < rows.length; g++) rows[g]!.push(out.subarray(spans[g]![0], spans[g]![1]));
  return rows;
}

/**
 * The batch's verification and rate-limit blocks; valid until the next call (they are views into one buffer). With
 * `wellFormed` (PostgreSQL), strings with a lone surrogate are written with U+FFFD in its place.
 */
export function packedBlocks(packed: PackedBatch, options: { wellFormed: boolean } = { wellFormed: false }): PackedBlocks {
  const { strings, numbers, refs, requestIds } = packed;
  wellFormed = options.wellFormed;
  const stringBytes = new StringBytes(strings);
  if (out.length > KEPT_BYTES) out = Buffer.allocUnsafe(FIRST_BYTES);
  at = 0;
  // Where each event's references and request id start: verifications' references vary in length with their tags.
  const vRefs = new Int32Array(packed.verifications);
  const vChars = new Int32Array(packed.verifications);
  const vGroups = new Groups();
  let r = 0;
  let c = 0;
  for (let e = 0; e < packed.verifications; e++) {
    vRefs[e] = r;
    vChars[e] = c;
    c += refs[r]!;
    // workspaceId, keySpaceId, keyId, identityId, externalId: the blocks' shared columns; keyId tells them apart.
    vGroups.add(refs, r + 1, 5, 2, e);
    r += V_FIXED_REFS + refs[r + 8]!;
  }
  const verifications = encode(vGroups, strings, numbers, VERIFICATION_NUMBERS, (e) => {
    const ref = vRefs[e]!;
    const n = e * VERIFICATION_NUMBERS;
    // perEvent: time, request_id, region, outcome, tags, spent_credits, latency.
    byte(0x5b);
    jsonNumber(numbers[n]!);
    byte(0x2c);
    jsonChars(requestIds, vChars[e]!, refs[ref]!);
    byte(0x2c);
    stringBytes.write(refs[ref + 7]!);
    byte(0x2c);
    stringBytes.write(refs[ref + 6]!);
    byte(0x2c);
    const tagCount = refs[ref + 8]!;
    if (tagCount === 0) copied(NO_TAGS_BYTES);
    else jsonString(canonicalTags(Array.from(refs.subarray(ref + V_FIXED_REFS, ref + V_FIXED_REFS + tagCount), (t) => strings[t]!)));
    byte(0x2c);
    jsonNumber(numbers[n + 1]!);
    byte(0x2c);
    jsonNumber(numbers[n + 2]!);
    byte(0x5d);
  });

  const rlStart = r;
  const rlNumbers = packed.verifications * VERIFICATION_NUMBERS;
  const rlChars = new Int32Array(packed.ratelimits);
  const rlGroups = new Groups();
  for (let e = 0; e < packed.ratelimits; e++) {
    rlChars[e] = c;
    c += refs[rlStart + e * RL_REFS]!;
    // workspaceId, namespaceId, identifier: the blocks' shared columns; the identifier tells them apart.
    rlGroups.add(refs, rlStart + e * RL_REFS + 1, 3, 2, e);
  }
  const ratelimitNumbers = numbers.subarray(rlNumbers);
  const ratelimits = encode(rlGroups, strings, ratelimitNumbers, RATELIMIT_NUMBERS, (e) => {
    const ref = rlStart + e * RL_REFS;
    const n = e * RATELIMIT_NUMBERS;
    // perEvent: time, request_id, passed, latency, override_id, region.
    byte(0x5b);
    jsonNumber(ratelimitNumbers[n]!);
    byte(0x2c);
    jsonChars(requestIds, rlChars[e]!, refs[ref]!);
    byte(0x2c);
    jsonNumber(ratelimitNumbers[n + 2]!);
    byte(0x2c);
    jsonNumber(ratelimitNumbers[n + 1]!);
    byte(0x2c);
    stringBytes.write(refs[ref + 4]!);
    byte(0x2c);
    stringBytes.write(refs[ref + 5]!);
    byte(0x5d);
  });
  return { verifications, ratelimits, bytes: out.subarray(0, at) };
}
