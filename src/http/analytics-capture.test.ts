import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AnalyticsBatch, RatelimitEvent, VerificationEvent } from '../analytics/events.js';
import { type PackedBatch, unpackBatch } from '../analytics/packed-batch.js';
import { startTestServer, type TestServer } from '../../test/harness.js';
import { newApi, newKey } from '../../test/key-fixtures.js';
import { foreign, migrate, newMigration } from '../../test/migration-fixtures.js';
import { namespaceName, setOverride } from '../../test/ratelimit-fixtures.js';

/**
 * Analytics capture through the routes (src/analytics/recorder.ts; docs/operations.md, "Analytics capture"): every
 * keys.verifyKey answer (verify lane and Fastify route) and every ratelimit.limit / multiLimit decision is one event
 * in the batches the server writes, with exactly the fields events.ts describes.
 */

/** A store's `write` that keeps every batch it is given. */
function capturing() {
  const batches: AnalyticsBatch[] = [];
  return {
    batches,
    store: {
      writePacked: async (packed: PackedBatch) => {
        batches.push(unpackBatch(packed));
      },
    },
    verifications: (): VerificationEvent[] => batches.flatMap((b) => b.verifications),
    ratelimits: (): RatelimitEvent[] => batches.flatMap((b) => b.ratelimits),
  };
}

const NODE = 'test-node-1';

/** What every event's latency is: milliseconds measured inside Keyward, a number from 0 to a few hundred. */
const latency = () => expect.any(Number);

async function metricValue(t: TestServer, line: string): Promise<number | undefined> {
  const text = (await t.server.app.inject({ method: 'GET', url: '/metrics' })).body;
  const found = text.split('\n').find((l) => l.startsWith(`${line} `));
  return found === undefined ? undefined : Number(found.slice(line.length + 1));
}

describe('analytics capture', () => {
  const captured = capturing();
  let t: TestServer;
  let apiId: string;
  beforeAll(async () => {
    t = await startTestServer({ analytics: captured.store, env: { KEYWARD_NODE_NAME: NODE } });
    apiId = await newApi(t);
  });
  afterAll(async () => {
    await t.close();
  });

  /** Verifies over the verify lane (or Fastify's route with `inject`); answers the data and the request id. */
  async function verify(body: Record<string, unknown>, via: 'lane' | 'route' = 'lane') {
    if (via === 'route') {
      const res = await t.server.app.inject({
        method: 'POST',
        url: '/v2/keys.verifyKey',
        headers: { authorization: `Bearer ${t.rootKey}`, 'content-type': 'application/json' },
        payload: body,
      });
      expect(res.statusCode).toBe(200);
      const parsed = res.json();
      return { data: parsed.data, requestId: parsed.meta.requestId as string };
    }
    const res = await t.call('keys.verifyKey', body);
    expect(res.status).toBe(200);
    return { data: res.body.data, requestId: res.body.meta.requestId as string };
  }

  it('records one event per verification, with the outcome, ids, tags, credits spent and request id of each', async () => {
    const before = captured.verifications().length;
    const plain = await newKey(t, { apiId, externalId: 'user_42' });
    const limited = await newKey(t, { apiId, ratelimits: [{ name: 'rps', limit: 1, duration: 60_000, autoApply: true }] });
    const credited = await newKey(t, { apiId, credits: { remaining: 5 } });
    const disabled = await newKey(t, { apiId, enabled: false });
    const identityId = (await t.call('keys.getKey', { keyId: plain.keyId })).body.data.identity.id as string;

    const calls: Array<[Record<string, unknown>, 'lane' | 'route', Partial<VerificationEvent>]> = [
      [
        { key: plain.key, tags: ['path=/v1/a', 'plan=pro'] },
        'lane',
        { keyId: plain.keyId, outcome: 'VALID', tags: ['path=/v1/a', 'plan=pro'] },
      ],
      [{ key: 'sk_this_key_does_not_exist_anywhere', tags: ['x'] }, 'lane', { outcome: 'NOT_FOUND', tags: ['x'] }],
      [{ key: limited.key }, 'lane', { keyId: limited.keyId, outcome: 'VALID' }],
      [{ key: limited.key }, 'route', { keyId: limited.keyId, outcome: 'RATE_LIMITED' }],
      [{ key: credited.key, credits: { cost: 10 } }, 'lane', { keyId: credited.keyId, outcome: 'USAGE_EXCEEDED', spentCredits: 0 }],
      [{ key: credited.key, credits: { cost: 3 } }, 'route', { keyId: credited.keyId, outcome: 'VALID', spentCredits: 3 }],
      [{ key: disabled.key }, 'lane', { keyId: disabled.keyId, outcome: 'DISABLED' }],
      [{ key: plain.key, permissions: 'documents.write' }, 'lane', { keyId: plain.keyId, outcome: 'INSUFFICIENT_PERMISSIONS' }],
    ];
    const expected: VerificationEvent[] = [];
    for (const [body, via, fields] of calls) {
      const { data, requestId } = await verify(body, via);
      expect(data.code).toBe(fields.outcome);
      const found = fields.outcome !== 'NOT_FOUND';
      expected.push({
        time: t.clock.now(),
        requestId,
        workspaceId: t.workspaceId,
        keySpaceId: found ? apiId : '',
        keyId: '',
        identityId: fields.keyId === plain.keyId ? identityId : '',
        externalId: fields.keyId === plain.keyId ? 'user_42' : '',
        tags: [],
        spentCredits: 0,
        latency: latency(),
        region: NODE,
        outcome: '',
        ...fields,
      });
    }
    await t.server.analyticsRecorder!.flush();
    const recorded = captured.verifications().slice(before);
    expect(recorded).toEqual(expected);
    for (const event of recorded) expect(event.latency).toBeGreaterThanOrEqual(0);
    // Nothing of the unknown key is recorded: neither the key nor its hash.
    expect(JSON.stringify(recorded)).not.toContain('sk_this_key_does_not_exist_anywhere');
  });

  it('records a verification against a migration once, as the key it was moved to', async () => {
    const migratedApi = await newApi(t);
    const migrationId = await newMigration(t, 'sha256_hex');
    const { key, hash } = foreign('sha256_hex');
    const { migrated } = await migrate(t, { migrationId, apiId: migratedApi, keys: [{ hash }] });
    const before = captured.verifications().length;
    const { data, requestId } = await verify({ key, migrationId });
    expect(data.code).toBe('VALID');
    await t.server.analyticsRecorder!.flush();
    expect(captured.verifications().slice(before)).toEqual([
      expect.objectContaining({ requestId, keySpaceId: migratedApi, keyId: migrated[0]!.keyId, outcome: 'VALID' }),
    ]);
  });

  it('records every ratelimit.limit and multiLimit decision, passed or refused, with the override that applied', async () => {
    const namespace = namespaceName('analytics');
    const limit = (identifier: string) =>
      t.call('ratelimit.limit', { namespace, identifier, limit: 5, duration: 60_000 }).then((res) => {
        expect(res.status).toBe(200);
        return res;
      });
    const first = await limit('user_1');
    const namespaceId = (await t.server.store.findRatelimitNamespace(t.workspaceId, namespace))!.id;
    const overrideId = await setOverride(t, { namespace, identifier: 'user_1', limit: 1, duration: 60_000 });
    const second = await limit('user_1');
    expect(second.body.data).toMatchObject({ success: false, overrideId });
    const multi = await t.call('ratelimit.multiLimit', [
      { namespace, identifier: 'user_2', limit: 5, duration: 60_000 },
      { namespace, identifier: 'user_1', limit: 5, duration: 60_000 },
    ]);
    expect(multi.body.data.passed).toBe(false);

    await t.server.analyticsRecorder!.flush();
    const event = (requestId: string, identifier: string, passed: boolean, override = ''): RatelimitEvent => ({
      time: t.clock.now(),
      requestId,
      workspaceId: t.workspaceId,
      namespaceId,
      identifier,
      passed,
      latency: latency(),
      overrideId: override,
      region: NODE,
    });
    expect(captured.ratelimits().filter((e) => e.namespaceId === namespaceId)).toEqual([
      event(first.body.meta.requestId, 'user_1', true),
      event(second.body.meta.requestId, 'user_1', false, overrideId),
      event(multi.body.meta.requestId, 'user_2', true),
      event(multi.body.meta.requestId, 'user_1', false, overrideId),
    ]);
  });

  it('counts written events in keyward_analytics_events_total and shows the buffer in keyward_analytics_buffer_events', async () => {
    await t.server.analyticsRecorder!.flush();
    const written = captured.verifications().length;
    expect(written).toBeGreaterThan(0);
    expect(await metricValue(t, 'keyward_analytics_events_total{kind="verification",result="written"}')).toBe(written);
    expect(await metricValue(t, 'keyward_analytics_events_total{kind="ratelimit",result="written"}')).toBe(captured.ratelimits().length);
    expect(await metricValue(t, 'keyward_analytics_events_total{kind="verification",result="dropped"}')).toBe(0);
    expect(await metricValue(t, 'keyward_analytics_buffer_events')).toBe(0);
    const { key } = await newKey(t, { apiId });
    await verify({ key });
    expect(await metricValue(t, 'keyward_analytics_buffer_events')).toBe(1);
  });
});

describe('analytics capture under a full buffer, and at shutdown', () => {
  it('drops what does not fit, counted exactly, while verification answers as usual; shutdown writes what is buffered', async () => {
    const batches: AnalyticsBatch[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    const t = await startTestServer({
      analytics: {
        // Writes wait until released: the buffer fills behind the first one.
        writePacked: async (packed) => {
          await released;
          batches.push(unpackBatch(packed));
        },
      },
      env: { KEYWARD_ANALYTICS_BUFFER_EVENTS: '3', KEYWARD_ANALYTICS_FLUSH_EVENTS: '3', KEYWARD_ANALYTICS_FLUSH_MS: '600000' },
    });
    try {
      const apiId = await newApi(t);
      const { key } = await newKey(t, { apiId });
      for (let i = 0; i < 7; i++) expect((await t.call('keys.verifyKey', { key })).body.data.code).toBe('VALID');
      // Three in the write that waits; four dropped.
      expect(await metricValue(t, 'keyward_analytics_buffer_events')).toBe(3);
      expect(await metricValue(t, 'keyward_analytics_events_total{kind="verification",result="dropped"}')).toBe(4);
      release();
      await t.server.analyticsRecorder!.flush();
      expect(batches.map((b) => b.verifications.length)).toEqual([3]);
      expect(await metricValue(t, 'keyward_analytics_events_total{kind="verification",result="written"}')).toBe(3);

      // Two events, less than a batch of three (both kinds count together), long before the next interval: only
      // shutdown writes these. (A batch of two made these two a batch, whose write could start before the check.)
      await t.call('keys.verifyKey', { key: 'sk_unknown_at_shutdown' });
      await t.call('ratelimit.limit', { namespace: namespaceName(), identifier: 'u', limit: 1, duration: 1000 });
      expect(batches).toHaveLength(1);
    } finally {
      await t.close();
    }
    expect(batches.slice(1).flatMap((b) => b.verifications.map((v) => v.outcome))).toEqual(['NOT_FOUND']);
    expect(batches.slice(1).flatMap((b) => b.ratelimits.map((r) => r.passed))).toEqual([true]);
  });
});

describe('KEYWARD_ANALYTICS=off', () => {
  it('makes no recorder, records nothing, and reports no buffer', async () => {
    const captured = capturing();
    const t = await startTestServer({ analytics: captured.store, env: { KEYWARD_ANALYTICS: 'off' } });
    try {
      expect(t.server.analyticsRecorder).toBeNull();
      const apiId = await newApi(t);
      const { key } = await newKey(t, { apiId });
      expect((await t.call('keys.verifyKey', { key })).body.data.code).toBe('VALID');
      await t.call('ratelimit.limit', { namespace: namespaceName(), identifier: 'u', limit: 1, duration: 1000 });
      expect(await metricValue(t, 'keyward_analytics_buffer_events')).toBeUndefined();
    } finally {
      await t.close();
    }
    expect(captured.batches).toEqual([]);
  });
});
