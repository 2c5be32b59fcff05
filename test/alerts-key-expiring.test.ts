import { beforeAll, expect, it } from 'vitest';
import { newApi, newKey } from './key-fixtures.js';
import { useTestServer } from './per-file-server.js';

/**
 * `key.expiring` (docs/decisions/0027), on either engine, on the fake clock: the background job queues one event per key
 * and expiry value once the key expires within KEYWARD_ALERT_KEY_EXPIRING_DAYS (7 by default); an expiry changed later
 * fires again; deleted, disabled, already expired and sliding keys fire nothing.
 */
const t = useTestServer();
const DAY = 86_400_000;
let endpointId = '';
let apiId = '';

async function expiringAlerts(): Promise<Array<{ keyId: string; expires: number }>> {
  const deliveries = await t.server.store.listWebhookDeliveries({ workspaceId: t.workspaceId, endpointId, limit: 1000 });
  return deliveries
    .map((d) => JSON.parse(d.payload))
    .filter((p) => p.type === 'key.expiring')
    .map((p) => ({ keyId: p.data.keyId, expires: p.data.expires }))
    .reverse();
}

beforeAll(async () => {
  endpointId = (await t.call('webhooks.createEndpoint', { url: 'https://receiver.example/hook', eventTypes: ['key.expiring'] })).body.data
    .endpointId;
  apiId = await newApi(t);
});

it('fires once per key and expiry value when the key comes within 7 days of expiring, and again when its expiry changes', async () => {
  const start = t.clock.now();
  const soon = await newKey(t, { apiId, name: 'soon', expires: start + 3 * DAY });
  const later = await newKey(t, { apiId, expires: start + 10 * DAY });
  const never = await newKey(t, { apiId });
  await t.server.runJobs();
  expect(await expiringAlerts()).toEqual([{ keyId: soon.keyId, expires: start + 3 * DAY }]);
  const [payload] = (await t.server.store.listWebhookDeliveries({ workspaceId: t.workspaceId, endpointId, limit: 1 })).map((d) =>
    JSON.parse(d.payload),
  );
  expect(payload.data).toEqual({ workspaceId: t.workspaceId, keyId: soon.keyId, apiId, name: 'soon', expires: start + 3 * DAY });

  // Runs again, on any later run: nothing new until `later` is within 7 days.
  await t.server.runJobs();
  t.clock.advance(2 * DAY);
  await t.server.runJobs();
  expect(await expiringAlerts()).toHaveLength(1);
  t.clock.advance(DAY + 1);
  await t.server.runJobs();
  expect((await expiringAlerts()).map((a) => a.keyId)).toEqual([soon.keyId, later.keyId]);

  // A new expiry is a new alert, once.
  await t.call('keys.updateKey', { keyId: soon.keyId, expires: start + 6 * DAY });
  await t.server.runJobs();
  await t.server.runJobs();
  expect(await expiringAlerts()).toEqual([
    { keyId: soon.keyId, expires: start + 3 * DAY },
    { keyId: later.keyId, expires: start + 10 * DAY },
    { keyId: soon.keyId, expires: start + 6 * DAY },
  ]);
  expect((await expiringAlerts()).some((a) => a.keyId === never.keyId)).toBe(false);
});

it('deleted, disabled, sliding and already expired keys fire nothing', async () => {
  const now = t.clock.now();
  const deleted = await newKey(t, { apiId, expires: now + DAY });
  await t.call('keys.deleteKey', { keyId: deleted.keyId });
  const disabled = await newKey(t, { apiId, expires: now + DAY, enabled: false });
  const sliding = await newKey(t, { apiId, expires: now + DAY, slidingExpiration: DAY });
  const expired = await newKey(t, { apiId, expires: now + 1 });
  t.clock.advance(2);
  const before = (await expiringAlerts()).length;
  await t.server.runJobs();
  const fired = (await expiringAlerts()).slice(before).map((a) => a.keyId);
  expect(fired).toEqual([]);
  for (const key of [deleted, disabled, sliding, expired]) expect(fired).not.toContain(key.keyId);
});
