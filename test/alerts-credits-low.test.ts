import { afterAll, beforeAll, expect, it } from 'vitest';
import { newApi, newKey } from './key-fixtures.js';
import { useTestServer } from './per-file-server.js';
import { WebhookReceiver } from './webhook-receiver.js';

/**
 * `key.credits_low` (docs/decisions/0027), on either engine: each threshold of use (50, 80, 100% by default) fires
 * once per crossing, through the webhook outbox, signed and verified by a local receiver; credits given again (set,
 * topped up, refilled) arm the thresholds again.
 */
const t = useTestServer({ env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on' } });
let secret = '';
const receiver = new WebhookReceiver(
  () => secret,
  () => t.clock.now(),
);
let endpointId = '';
let apiId = '';

/** The credits_low events queued so far for `keyId`, oldest first, as [thresholdPercent, remaining]. */
async function alertsOf(keyId: string): Promise<Array<[number, number]>> {
  await t.server.services.verify.creditsAlerts.idle();
  const deliveries = await t.server.store.listWebhookDeliveries({ workspaceId: t.workspaceId, endpointId, limit: 1000 });
  return deliveries
    .map((d) => JSON.parse(d.payload))
    .filter((p) => p.type === 'key.credits_low' && p.data.keyId === keyId)
    .map((p) => [p.data.thresholdPercent, p.data.remaining] as [number, number])
    .reverse();
}

const verify = (key: string, cost = 1) => t.call('keys.verifyKey', { key, credits: { cost } });

beforeAll(async () => {
  await receiver.start();
  const created = await t.call('webhooks.createEndpoint', { url: receiver.url, eventTypes: ['key.credits_low'] });
  ({ endpointId, secret } = created.body.data);
  apiId = await newApi(t);
});
afterAll(() => receiver.stop());

it('fires once at each threshold crossed, is signed and delivered, and never for a refused verification', async () => {
  const { keyId, key } = await newKey(t, { apiId, credits: { remaining: 10 } });
  for (let i = 0; i < 4; i++) await verify(key);
  expect(await alertsOf(keyId)).toEqual([]);
  await verify(key);
  expect(await alertsOf(keyId)).toEqual([[50, 5]]);
  for (let i = 0; i < 3; i++) await verify(key);
  expect(await alertsOf(keyId)).toEqual([
    [50, 5],
    [80, 2],
  ]);
  await verify(key, 2);
  expect((await verify(key)).body.data.code).toBe('USAGE_EXCEEDED');
  expect(await alertsOf(keyId)).toEqual([
    [50, 5],
    [80, 2],
    [100, 0],
  ]);

  expect(await t.server.webhooks.deliverDue()).toBe(3);
  const received = receiver.accepted.filter((r) => r.payload.data.keyId === keyId);
  expect(received.map((r) => r.payload.type)).toEqual(['key.credits_low', 'key.credits_low', 'key.credits_low']);
  // Queued at one instant, so delivered in no particular order among themselves.
  expect(received.find((r) => r.payload.data.thresholdPercent === 50)?.payload.data).toEqual({
    workspaceId: t.workspaceId,
    keyId,
    apiId,
    thresholdPercent: 50,
    remaining: 5,
    base: 10,
  });
  expect(receiver.refused).toEqual([]);
});

it('a spend passing several thresholds at once fires one event, for the highest', async () => {
  const { keyId, key } = await newKey(t, { apiId, credits: { remaining: 10 } });
  await verify(key, 9);
  expect(await alertsOf(keyId)).toEqual([[80, 1]]);
  await verify(key);
  expect(await alertsOf(keyId)).toEqual([
    [80, 1],
    [100, 0],
  ]);
});

it('credits set or topped up are the new base and arm every threshold again; a decrement does not', async () => {
  const { keyId, key } = await newKey(t, { apiId, credits: { remaining: 4 } });
  await verify(key, 2);
  expect(await alertsOf(keyId)).toEqual([[50, 2]]);
  // Topped up to 2 + 18 = 20: 50% of 20 used is at 10 left.
  await t.call('keys.updateCredits', { keyId, operation: 'increment', value: 18 });
  await verify(key, 9);
  expect(await alertsOf(keyId)).toEqual([[50, 2]]);
  await verify(key);
  expect(await alertsOf(keyId)).toEqual([
    [50, 2],
    [50, 10],
  ]);
  // A decrement keeps the base (20) and what fired: 10 -> 4 crosses 80% (at 4 left) by itself.
  await t.call('keys.updateCredits', { keyId, operation: 'decrement', value: 5 });
  await verify(key);
  expect(await alertsOf(keyId)).toEqual([
    [50, 2],
    [50, 10],
    [80, 4],
  ]);
  // Set to 2: the base is 2, and one credit is 50% of it.
  await t.call('keys.updateCredits', { keyId, operation: 'set', value: 2 });
  await verify(key);
  expect((await alertsOf(keyId)).at(-1)).toEqual([50, 1]);
});

it('a refilling key measures use against its refill amount, and a refill arms the thresholds again', async () => {
  const { keyId, key } = await newKey(t, { apiId, credits: { remaining: 4, refill: { interval: 'daily', amount: 4 } } });
  await verify(key, 2);
  expect(await alertsOf(keyId)).toEqual([[50, 2]]);
  t.clock.advance(24 * 60 * 60 * 1000);
  await t.server.runJobs();
  await verify(key, 2);
  expect(await alertsOf(keyId)).toEqual([
    [50, 2],
    [50, 2],
  ]);
});

it('200 concurrent verifications of a key with 100 credits fire each threshold exactly once', async () => {
  const { keyId, key } = await newKey(t, { apiId, credits: { remaining: 100 } });
  const results = await Promise.all(Array.from({ length: 200 }, () => verify(key)));
  expect(results.filter((r) => r.body.data.code === 'VALID')).toHaveLength(100);
  expect((await alertsOf(keyId)).sort((a, b) => a[0] - b[0])).toEqual([
    [50, 50],
    [80, 20],
    [100, 0],
  ]);
});

it('an unlimited key, and a key whose every verification costs nothing, fire nothing', async () => {
  const unlimited = await newKey(t, { apiId });
  for (let i = 0; i < 3; i++) await verify(unlimited.key);
  const free = await newKey(t, { apiId, credits: { remaining: 2 } });
  for (let i = 0; i < 3; i++) await verify(free.key, 0);
  expect(await alertsOf(unlimited.keyId)).toEqual([]);
  expect(await alertsOf(free.keyId)).toEqual([]);
});
