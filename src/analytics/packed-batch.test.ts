import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { AnalyticsBatch, RatelimitEvent, VerificationEvent } from './events.js';
import { PackedBatchBuilder, packBatch, unpackBatch } from './packed-batch.js';

// Required<...>: an event field added later must be set here, so a field the packing forgets fails the round trip.
const verification = (i: number, overrides: Partial<VerificationEvent> = {}): Required<VerificationEvent> => ({
  time: Date.UTC(2026, 11, 6, 5, 0, 0) + i,
  requestId: `req_${i}`,
  workspaceId: 'ws_1',
  keySpaceId: `api_${i % 3}`,
  keyId: `key_${i % 5}`,
  identityId: i % 2 === 0 ? `id_${i % 4}` : '',
  externalId: i % 2 === 0 ? `user_${i % 4}` : '',
  outcome: i % 7 === 0 ? 'RATE_LIMITED' : 'VALID',
  tags: i % 3 === 0 ? [] : [`path=/v${i % 2}`, 'plan=pro'],
  spentCredits: i % 4,
  latency: 0.1 + i / 1000,
  region: 'node-a',
  ...overrides,
});

const ratelimit = (i: number, overrides: Partial<RatelimitEvent> = {}): Required<RatelimitEvent> => ({
  time: Date.UTC(2026, 11, 6, 5, 0, 0) + i,
  requestId: `rl_${i}`,
  workspaceId: 'ws_1',
  namespaceId: `ns_${i % 2}`,
  identifier: `user_${i}`,
  passed: i % 3 !== 0,
  latency: 0.05 * i,
  overrideId: i % 5 === 0 ? 'ovr_1' : '',
  region: 'node-a',
  ...overrides,
});

/** Through a real port, as the writer thread receives it: the buffers transferred, the rest cloned. */
function throughPort(batch: AnalyticsBatch): AnalyticsBatch {
  const { port1, port2 } = new MessageChannel();
  const { packed, transfer } = packBatch(batch);
  port1.postMessage(packed, transfer);
  const received = receiveMessageOnPort(port2);
  port1.close();
  // Transferred, not copied: the sender's buffers are detached.
  expect(transfer.every((buffer) => buffer.byteLength === 0)).toBe(true);
  return unpackBatch(received!.message);
}

describe('packed analytics batches', () => {
  it('come back equal to the batch, both kinds, tags in their order and duplicates kept', () => {
    const batch: AnalyticsBatch = {
      verifications: [
        ...Array.from({ length: 50 }, (_, i) => verification(i)),
        verification(50, { tags: ['b', 'a', 'b'], identityId: '', keySpaceId: '', keyId: '', outcome: 'NOT_FOUND' }),
      ],
      ratelimits: Array.from({ length: 20 }, (_, i) => ratelimit(i)),
    };
    expect(throughPort(batch)).toStrictEqual(batch);
  });

  it('keep every number and string exactly: fractions, negatives, -0, huge values, lone surrogates, empty and separator-like strings', () => {
    const batch: AnalyticsBatch = {
      verifications: [
        verification(1, { latency: 0.1 + 0.2, spentCredits: -3, time: Number.MAX_SAFE_INTEGER }),
        verification(2, { latency: -0, requestId: 'a\nb\u0000c', externalId: '\uD800', tags: ['\uDC00x', '', '\n'] }),
        verification(3, { latency: 1e-300, spentCredits: 2 ** 40, requestId: '' }),
      ],
      ratelimits: [ratelimit(1, { identifier: '\uD83D', latency: 123456.789 }), ratelimit(2, { passed: true, identifier: '' })],
    };
    const back = throughPort(batch);
    expect(back).toStrictEqual(batch);
    expect(Object.is(back.verifications[1]!.latency, -0)).toBe(true);
  });

  it('carry one kind alone, and nothing', () => {
    const onlyRatelimits: AnalyticsBatch = { verifications: [], ratelimits: [ratelimit(3)] };
    expect(throughPort(onlyRatelimits)).toStrictEqual(onlyRatelimits);
    const onlyVerifications: AnalyticsBatch = { verifications: [verification(4)], ratelimits: [] };
    expect(throughPort(onlyVerifications)).toStrictEqual(onlyVerifications);
    expect(throughPort({ verifications: [], ratelimits: [] })).toStrictEqual({ verifications: [], ratelimits: [] });
  });

  it('hold each repeated string once', () => {
    const verifications = Array.from({ length: 1_000 }, (_, i) => verification(i));
    const { packed } = packBatch({ verifications, ratelimits: [] });
    // ws, 3 APIs, 5 keys, '', 2 identities x 2 external ids ... : a few dozen strings for 1,000 events.
    expect(packed.strings.length).toBeLessThan(30);
    // Request ids are not strings of the batch: their code units, each once.
    expect(packed.requestIds).toHaveLength(verifications.reduce((n, e) => n + e.requestId.length, 0));
  });

  it('are built event by event as they come, kinds interleaved, past the size their columns start at', () => {
    const builder = new PackedBatchBuilder();
    const batch: AnalyticsBatch = { verifications: [], ratelimits: [] };
    for (let i = 0; i < 1_500; i++) {
      // Many tags on some events, so the references outgrow their first size faster than the events.
      const event = verification(i, i % 10 === 0 ? { tags: Array.from({ length: 20 }, (_, t) => `t${t}`) } : {});
      builder.addVerification(event);
      batch.verifications.push(event);
      if (i % 3 === 0) {
        builder.addRatelimit(ratelimit(i));
        batch.ratelimits.push(ratelimit(i));
      }
    }
    expect(builder.size).toBe(2_000);
    expect(builder.tagCharacters).toBe(batch.verifications.reduce((n, e) => n + e.tags.join('').length, 0));
    const built = builder.build();
    // Posted without a transfer list (the recorder keeps its batch for a retry): copied, and still whole here.
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(built);
    const received = receiveMessageOnPort(port2)!.message;
    port1.close();
    expect(unpackBatch(received)).toStrictEqual(batch);
    expect(unpackBatch(built)).toStrictEqual(batch);
  });

  it('are packed into the same arrays batch after batch once reset, each batch exact and the earlier one released', () => {
    const builder = new PackedBatchBuilder(4);
    const first: AnalyticsBatch = {
      verifications: Array.from({ length: 50 }, (_, i) => verification(i, { tags: [`t${i % 3}`] })),
      ratelimits: [ratelimit(1), ratelimit(2)],
    };
    for (const event of first.verifications) builder.addVerification(event);
    for (const event of first.ratelimits) builder.addRatelimit(event);
    const packedFirst = builder.buildReused();
    expect(unpackBatch(packedFirst)).toStrictEqual(first);

    builder.reset();
    expect(builder.size).toBe(0);
    expect(builder.tagCharacters).toBe(0);
    // Fewer events with other strings and longer request ids: nothing of the first batch may show through.
    const second: AnalyticsBatch = {
      verifications: Array.from({ length: 7 }, (_, i) =>
        verification(100 + i, { requestId: `request-${'x'.repeat(40)}-${i}`, workspaceId: 'ws_other' }),
      ),
      ratelimits: [ratelimit(3)],
    };
    for (const event of second.ratelimits) builder.addRatelimit(event);
    for (const event of second.verifications) builder.addVerification(event);
    const packedSecond = builder.buildReused();
    expect(unpackBatch(packedSecond)).toStrictEqual(second);
    // The same memory: no new arrays per batch (src/analytics/recorder.ts reuses builders; bench/analytics-recorder-gc.ts).
    expect(packedSecond.numbers.buffer).toBe(packedFirst.numbers.buffer);
    expect(packedSecond.refs.buffer).toBe(packedFirst.refs.buffer);
    // Posted as the stores post it (copied): the copy holds just this batch.
    const { port1, port2 } = new MessageChannel();
    port1.postMessage(packedSecond);
    const received = receiveMessageOnPort(port2)!.message;
    port1.close();
    expect(unpackBatch(received)).toStrictEqual(second);
  });
});
