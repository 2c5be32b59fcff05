import { createHash, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { BloomFilter, FilterPrints, newFilterSeed } from './bloom-filter.js';

/** The filter under the unknown-key flood defence (docs/decisions/0021-unknown-key-flood.md), on real key hashes. */
const hashOf = (text: string) => createHash('sha256').update(text).digest('base64');
const randomHashes = (count: number) => Array.from({ length: count }, () => hashOf(randomBytes(16).toString('hex')));

describe('BloomFilter', () => {
  it('never says no to a hash it was given, and says maybe to about 1% of others once full', () => {
    const held = randomHashes(20_000);
    const filter = new BloomFilter(held.length);
    for (const hash of held) filter.add(hash);
    expect(held.every((hash) => filter.mayHold(hash))).toBe(true);
    expect(filter.full).toBe(false);
    const others = randomHashes(20_000);
    const falsePositives = others.filter((hash) => filter.mayHold(hash)).length;
    expect(falsePositives / others.length).toBeLessThan(0.015);
    // 10 bits a hash: what docs/operations.md gives per million keys (1.5 million sized: 1.9 MB).
    expect(filter.bytes).toBe(Math.ceil((held.length * 10) / 32) * 4);
    filter.add(others[0]!);
    expect(filter.full).toBe(true);
  }, 120_000);

  it('an empty filter holds nothing', () => {
    const filter = new BloomFilter(0);
    expect(randomHashes(100).some((hash) => filter.mayHold(hash))).toBe(false);
  });

  it("places hashes by its own random seed: one filter's false positives are not another's", () => {
    const held = randomHashes(2_000);
    const [one, two] = [new BloomFilter(held.length), new BloomFilter(held.length)];
    for (const hash of held) {
      one.add(hash);
      two.add(hash);
    }
    const fooledOne = randomHashes(100_000).filter((hash) => one.mayHold(hash));
    expect(fooledOne.length).toBeGreaterThan(100);
    // With independent positions about 1% of the first filter's false positives fool the second too, not all.
    const fooledBoth = fooledOne.filter((hash) => two.mayHold(hash)).length;
    expect(fooledBoth / fooledOne.length).toBeLessThan(0.1);
  }, 120_000);

  it('prints gathered under its seed set the same bits as adding the hashes', () => {
    const held = randomHashes(5_000);
    const seed = newFilterSeed();
    const prints = new FilterPrints(seed);
    for (const hash of held) prints.push(hash);
    expect(prints.length).toBe(held.length);
    const fromPrints = new BloomFilter(held.length, seed);
    fromPrints.addPrints(prints);
    const added = new BloomFilter(held.length, seed);
    for (const hash of held) added.add(hash);
    expect(held.every((hash) => fromPrints.mayHold(hash))).toBe(true);
    const probes = randomHashes(20_000);
    expect(probes.map((hash) => fromPrints.mayHold(hash))).toEqual(probes.map((hash) => added.mayHold(hash)));
    expect(fromPrints.count).toBe(held.length);
    expect(() => new BloomFilter(10).addPrints(prints)).toThrow(/another seed/);
  });
});
