import { describe, expect, it } from 'vitest';
import type { AnalyticsBatch, RatelimitEvent, VerificationEvent } from './events.js';
import { packBatch } from './packed-batch.js';
import { packedBlocks } from './block-encoder.js';
import { random, rawRatelimit, rawVerification } from './store.suite.js';
import { BLOCK_LAYOUTS, type BlockLayout } from './blocks.js';

/**
 * The encoder against the reference it replaces: each block's events as JSON.stringify writes their arrays
 * (src/analytics/blocks.ts's perEvent order), blocks by shared values in the order they first appear.
 */

const ODD_STRINGS = [
  '',
  'plain',
  'quote " and \\ backslash',
  'say "hi"',
  'back\\slash',
  'tab\tnew\nline',
  'NUL\u0000',
  'del\u007f',
  'é',
  '€ 😀',
  '\u2028',
  '\ud800 lone',
  '\udfff',
];

function randomBatch(next: () => number, size: number): AnalyticsBatch {
  const pick = <T>(values: readonly T[]): T => values[Math.floor(next() * values.length)]!;
  const numbers = [0, -0, 1, 7, 1e9 - 1, 1e9, 1e9 + 5, 2 ** 31, 1e15 - 1, 2 ** 53 - 1, 1e15, 1e21, -3, 0.1 + 0.2, 1.5e-7, 123.456];
  const verifications = Array.from(
    { length: size },
    (_, i): VerificationEvent => ({
      time: Date.UTC(2026, 11, 6) + Math.floor(next() * 120_000),
      requestId: next() < 0.8 ? `req_${i}` : pick(ODD_STRINGS),
      workspaceId: pick(['ws_1', 'ws_2']),
      keySpaceId: pick(['api_1', 'api_2', '']),
      keyId: pick(['key_1', 'key_2', 'key_3', '', 'key "4"']),
      identityId: pick(['', 'id_1']),
      externalId: pick(['', 'user_1', '€']),
      outcome: pick(['VALID', 'RATE_LIMITED', 'NOT_FOUND']),
      tags: next() < 0.5 ? [] : [pick(ODD_STRINGS), pick(['b', 'a', 'path=/v1'])],
      spentCredits: pick(numbers),
      latency: next() < 0.3 ? pick(numbers) : next() * 50,
      region: pick(['node-a', 'nöde', '']),
    }),
  );
  const ratelimits = Array.from(
    { length: size / 2 },
    (_, i): RatelimitEvent => ({
      time: Date.UTC(2026, 11, 6) + Math.floor(next() * 120_000),
      requestId: next() < 0.8 ? `rl_${i}` : pick(ODD_STRINGS),
      workspaceId: pick(['ws_1', 'ws_2']),
      namespaceId: pick(['ns_1', 'ns_2']),
      identifier: pick(['user_1', 'user_2', ...ODD_STRINGS]),
      passed: next() < 0.7,
      latency: next() < 0.3 ? pick(numbers) : next() * 5,
      overrideId: pick(['', 'ovr_1', 'ovr "q"']),
      region: pick(['node-a', '😀']),
    }),
  );
  return { verifications, ratelimits };
}

/**
 * The reference, from the blocks' layout (src/analytics/blocks.ts), so an encoder that drifts from it fails:
 * events grouped by the shared columns, each block's events as JSON.stringify's arrays of the per-event columns.
 */
function reference(layout: BlockLayout, rows: Record<string, unknown>[]) {
  const blocks = new Map<string, { shared: unknown[]; events: Record<string, unknown>[] }>();
  for (const row of rows) {
    const shared = layout.shared.map((column) => row[column]);
    const key = JSON.stringify(shared);
    const block = blocks.get(key) ?? { shared, events: [] };
    block.events.push(row);
    blocks.set(key, block);
  }
  return [...blocks.values()].map((block) => [
    ...block.shared,
    Math.min(...block.events.map((e) => e.time as number)),
    Math.max(...block.events.map((e) => e.time as number)),
    JSON.stringify(block.events.map((e) => layout.perEvent.map((column) => e[column]))),
  ]);
}

const [VERIFICATION_BLOCKS, RATELIMIT_BLOCKS] = BLOCK_LAYOUTS;
const verificationBlocks = (events: VerificationEvent[]) => reference(VERIFICATION_BLOCKS!, events.map(rawVerification));

const asText = (rows: (string | number | Buffer)[][]) =>
  rows.map((row) => row.map((value) => (Buffer.isBuffer(value) ? value.toString('utf8') : value)));

describe('packedBlocks', () => {
  it('writes exactly the JSON text JSON.stringify makes, for odd strings, lone surrogates and every kind of number', () => {
    for (const seed of [1, 2, 3, 4, 5]) {
      const batch = randomBatch(random(seed), 400);
      const blocks = packedBlocks(packBatch(batch).packed);
      expect(asText(blocks.verifications)).toStrictEqual(verificationBlocks(batch.verifications));
      expect(asText(blocks.ratelimits)).toStrictEqual(reference(RATELIMIT_BLOCKS!, batch.ratelimits.map(rawRatelimit)));
    }
  });

  it('grows its buffer past its first megabyte and keeps earlier blocks intact', () => {
    const long = 'x'.repeat(4_000);
    const batch = randomBatch(random(7), 40);
    batch.verifications = Array.from({ length: 600 }, (_, i) => ({ ...batch.verifications[i % 40]!, requestId: `${long}${i}` }));
    expect(asText(packedBlocks(packBatch(batch).packed).verifications)).toStrictEqual(verificationBlocks(batch.verifications));
  });

  it('lets a buffer that grew past 16 MB go, and encodes the next batch exactly', () => {
    const huge = 'y'.repeat(30_000);
    const big = randomBatch(random(9), 40);
    big.verifications = Array.from({ length: 600 }, (_, i) => ({ ...big.verifications[i % 40]!, requestId: `${huge}${i}` }));
    expect(
      packedBlocks(packBatch(big).packed).verifications.reduce((bytes, row) => bytes + (row.at(-1) as Buffer).length, 0),
    ).toBeGreaterThan(16 << 20);
    const next = randomBatch(random(10), 200);
    expect(asText(packedBlocks(packBatch(next).packed).verifications)).toStrictEqual(verificationBlocks(next.verifications));
  });
});
