import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { createServer, type KeywardServer } from '../src/server.js';
import { newApi, newKey } from './key-fixtures.js';
import { useTestServer } from './per-file-server.js';

/**
 * Alerts on two nodes sharing one PostgreSQL database (docs/decisions/0027): the second node is a whole server of its
 * own (its own pool, caches and alert claims), as another process would be. `key.credits_low`: concurrent
 * verifications split between them fire each threshold exactly once, and concurrent claims of one crossing from both
 * nodes give exactly one event. `key.expiring`: both nodes' jobs at once queue each key once, and a node finding the
 * advisory lock held does nothing. `ratelimit.exceeded`: both nodes claiming at once fire once per cool-down.
 */
const t = useTestServer({ engine: 'postgres' });
let other: KeywardServer;
let otherDir = '';
let endpointId = '';

beforeAll(async () => {
  otherDir = mkdtempSync(join(tmpdir(), 'keyward-alerts-node-'));
  other = await createServer({
    config: loadConfig({
      KEYWARD_PORT: '0',
      KEYWARD_DATA_DIR: otherDir,
      KEYWARD_DATABASE_URL: t.databaseUrl,
      KEYWARD_LOG_LEVEL: 'silent',
      KEYWARD_SHUTDOWN_GRACE_MS: '100',
    }),
    clock: t.clock,
    backgroundJobs: false,
  });
  // Never delivered in this test: the outbox rows are what is counted.
  endpointId = (
    await t.call('webhooks.createEndpoint', { url: 'https://receiver.example/hook', eventTypes: ['key.credits_low', 'key.expiring'] })
  ).body.data.endpointId;
});
afterAll(async () => {
  await other?.close();
  rmSync(otherDir, { recursive: true, force: true });
});

const verifyOn = async (node: KeywardServer, key: string) => {
  const response = await node.app.inject({
    method: 'POST',
    url: '/v2/keys.verifyKey',
    headers: { authorization: `Bearer ${t.rootKey}`, 'content-type': 'application/json' },
    payload: JSON.stringify({ key }),
  });
  return response.json().data.code as string;
};

async function alertsOf(keyId: string): Promise<number[]> {
  await Promise.all([t.server.services.verify.creditsAlerts.idle(), other.services.verify.creditsAlerts.idle()]);
  const deliveries = await t.server.store.listWebhookDeliveries({ workspaceId: t.workspaceId, endpointId, limit: 1000 });
  return deliveries
    .map((d) => JSON.parse(d.payload))
    .filter((p) => p.type === 'key.credits_low' && p.data.keyId === keyId)
    .map((p) => p.data.thresholdPercent as number)
    .sort((a, b) => a - b);
}

it('300 concurrent verifications split over two nodes of a key with 200 credits fire 50, 80 and 100% once each', async () => {
  const apiId = await newApi(t);
  const { keyId, key } = await newKey(t, { apiId, credits: { remaining: 200 } });
  const codes = await Promise.all(Array.from({ length: 300 }, (_, i) => verifyOn(i % 2 === 0 ? t.server : other, key)));
  expect(codes.filter((c) => c === 'VALID')).toHaveLength(200);
  expect(await alertsOf(keyId)).toEqual([50, 80, 100]);
});

it('the same crossing claimed 20 times at once from each node is claimed once, and queues one event', async () => {
  const apiId = await newApi(t);
  const { keyId } = await newKey(t, { apiId, credits: { remaining: 10 } });
  const claim = { workspaceId: t.workspaceId, keyId, apiId, level: 2, thresholdPercent: 80, remaining: 2, base: 10, now: t.clock.now() };
  const claimed = await Promise.all(
    Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? t.server.store : other.store).claimCreditsAlert(claim)),
  );
  expect(claimed.filter(Boolean)).toHaveLength(1);
  expect(await alertsOf(keyId)).toEqual([80]);
  // Another threshold of the same key is a crossing of its own.
  expect(await other.store.claimCreditsAlert({ ...claim, level: 1, thresholdPercent: 50, remaining: 5 })).toBe(true);
  expect(await alertsOf(keyId)).toEqual([50, 80]);
});

it('both nodes scanning for expiring keys at once queue each key once', async () => {
  const apiId = await newApi(t);
  const keys = [];
  for (let i = 0; i < 30; i++) keys.push((await newKey(t, { apiId, expires: t.clock.now() + 86_400_000 })).keyId);
  const now = t.clock.now();
  const runs = await Promise.all(
    Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? t.server.store : other.store).alertExpiringKeys(now, 7 * 86_400_000, 7)),
  );
  // Batches of 7 until none is left, as the job does, on both nodes.
  while ((await other.store.alertExpiringKeys(now, 7 * 86_400_000, 7)) > 0);
  expect(runs.every((n) => n <= 7)).toBe(true);
  const deliveries = await t.server.store.listWebhookDeliveries({ workspaceId: t.workspaceId, endpointId, limit: 1000 });
  const expiring = deliveries.map((d) => JSON.parse(d.payload)).filter((p) => p.type === 'key.expiring');
  expect(expiring.map((p) => p.data.keyId).sort()).toEqual([...keys].sort());
});

it('a node finding the expiring-keys lock held by another scans nothing', async () => {
  const apiId = await newApi(t);
  const { keyId } = await newKey(t, { apiId, expires: t.clock.now() + 86_400_000 });
  const now = t.clock.now();
  const held = await t.server.store.transaction(async (tx) => {
    // The lock is this transaction's until it ends: the other node's scan meanwhile must find it taken.
    expect(await tx.alertExpiringKeys(now, 0, 1)).toBe(0);
    return other.store.alertExpiringKeys(now, 7 * 86_400_000, 100);
  });
  expect(held).toBe(0);
  expect(await other.store.alertExpiringKeys(now, 7 * 86_400_000, 100)).toBe(1);
  const deliveries = await t.server.store.listWebhookDeliveries({ workspaceId: t.workspaceId, endpointId, limit: 1000 });
  expect(deliveries.map((d) => JSON.parse(d.payload)).filter((p) => p.data.keyId === keyId)).toHaveLength(1);
});

it('claims of one rate-limit alert from both nodes at once fire it once per cool-down', async () => {
  const claim = {
    workspaceId: t.workspaceId,
    subject: { type: 'namespace' as const, id: 'rlns_nodes', name: 'nodes' },
    identifier: 'user',
    refusals: 100,
    windowMs: 60_000,
    cooldownMs: 3_600_000,
    now: t.clock.now(),
  };
  const claimed = await Promise.all(
    Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? t.server.store : other.store).claimRatelimitAlert(claim)),
  );
  expect(claimed.filter(Boolean)).toHaveLength(1);
  const later = { ...claim, now: claim.now + 3_600_000 };
  const again = await Promise.all(
    Array.from({ length: 40 }, (_, i) => (i % 2 === 0 ? t.server.store : other.store).claimRatelimitAlert(later)),
  );
  expect(again.filter(Boolean)).toHaveLength(1);
});
