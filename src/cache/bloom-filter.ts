import { randomBytes } from 'node:crypto';

/**
 * A Bloom filter of strings (key hashes): `mayHold` is false only for a string never added; true for every string
 * added and for about 1% of others once `capacity` strings are in (docs/decisions/0021-unknown-key-flood.md).
 *
 * Bit positions are derived from the string and a random seed of each filter. The strings are SHA-256 hashes of keys
 * a sender chooses: with fixed positions, anyone could search offline for keys that are false positives (one in a
 * hundred tries) and make every one reach the store; with a seed nobody outside this process knows, a false positive
 * can only be found by sending it, and once found it is one cached miss like any other.
 */

/** Bits per string at capacity: with 7 probes, about 0.8% false positives full, 0.1% at two thirds. */
const BITS_PER_ENTRY = 10;
const PROBES = 7;

/** Two 32-bit lanes of one string, written by `lanesOf` (module scratch: no allocation per probe). */
let laneA = 0;
let laneB = 0;

/** Murmur3's 32-bit finalizer: spreads every input bit over the output. */
function finalize(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

/** Two independent seeded mixes of every character of `value`, into laneA and laneB (odd, as double hashing wants). */
function lanesOf(value: string, seedA: number, seedB: number): void {
  let a = seedA;
  let b = seedB;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
  }
  laneA = finalize(a ^ seedB);
  // `| 1` yields a signed 32-bit value: `>>> 0` keeps the lane, and so every probe position, non-negative.
  laneB = (finalize(b ^ seedA) | 1) >>> 0;
}

/** The random seed of a filter's bit positions. */
export interface FilterSeed {
  readonly a: number;
  readonly b: number;
}

export function newFilterSeed(): FilterSeed {
  const bytes = randomBytes(8);
  return { a: bytes.readUInt32LE(0), b: bytes.readUInt32LE(4) };
}

/**
 * Strings reduced to their two lanes under one seed, 8 bytes each, gathered before the filter can be sized (while it
 * is built: how many there will be is known at the end). A string itself would take about 60.
 */
export class FilterPrints {
  private lanes = new Uint32Array(2048);
  private size = 0;

  constructor(readonly seed: FilterSeed) {}

  get length(): number {
    return this.size;
  }

  push(value: string): void {
    if (this.size * 2 === this.lanes.length) {
      const grown = new Uint32Array(this.lanes.length * 2);
      grown.set(this.lanes);
      this.lanes = grown;
    }
    lanesOf(value, this.seed.a, this.seed.b);
    this.lanes[this.size * 2] = laneA;
    this.lanes[this.size * 2 + 1] = laneB;
    this.size++;
  }

  /** Each print's two lanes, in the order pushed. */
  forEach(visit: (a: number, b: number) => void): void {
    for (let i = 0; i < this.size; i++) visit(this.lanes[i * 2]!, this.lanes[i * 2 + 1]!);
  }
}

export class BloomFilter {
  private readonly words: Uint32Array;
  private readonly bits: number;
  private added = 0;

  /** `capacity`: strings it is sized for; `seed`: that of prints it will take (addPrints). */
  constructor(
    readonly capacity: number,
    private readonly seed: FilterSeed = newFilterSeed(),
  ) {
    const words = Math.max(1, Math.ceil((Math.max(1, capacity) * BITS_PER_ENTRY) / 32));
    this.words = new Uint32Array(words);
    this.bits = words * 32;
  }

  /** Memory held by its bits. */
  get bytes(): number {
    return this.words.byteLength;
  }

  /** Strings added (one added twice counts twice). */
  get count(): number {
    return this.added;
  }

  /** More strings added than it was sized for: it still never says no to one of them, but says maybe more often. */
  get full(): boolean {
    return this.added > this.capacity;
  }

  add(value: string): void {
    lanesOf(value, this.seed.a, this.seed.b);
    this.set(laneA, laneB);
  }

  /** Strings gathered under this filter's seed. */
  addPrints(prints: FilterPrints): void {
    if (prints.seed !== this.seed) throw new Error('prints gathered under another seed');
    prints.forEach((a, b) => {
      this.set(a, b);
    });
  }

  /** False: `value` was never added. True: it was, or it is a false positive. */
  mayHold(value: string): boolean {
    lanesOf(value, this.seed.a, this.seed.b);
    const { words, bits } = this;
    for (let i = 0, at = laneA % bits; i < PROBES; i++, at = (at + laneB) % bits) {
      if ((words[at >>> 5]! & (1 << (at & 31))) === 0) return false;
    }
    return true;
  }

  private set(a: number, b: number): void {
    const { words, bits } = this;
    for (let i = 0, at = a % bits; i < PROBES; i++, at = (at + b) % bits) words[at >>> 5]! |= 1 << (at & 31);
    this.added++;
  }
}
