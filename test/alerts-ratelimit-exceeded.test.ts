import { beforeAll, expect, it } from 'vitest';
import { newApi, newKey } from './key-fixtures.js';
import { useTestServer } from './per-file-server.js';

/**
 * `ratelimit.exceeded` (docs/decisions/0027), on either engine, on the fake clock: 5 refusals of one limit and
 * identifier within 60 s fire once, then not again for the 600 s cool-down; other identifiers and keys count apart.
 */
const t = useTestServer({
  env: {
    KEYWARD_ALERT_RATELIMIT_REFUSALS: '5',
    KEYWARD_ALERT_RATELIMIT_WINDOW_SECONDS: '60',
    KEYWARD_ALERT_RATELIMIT_COOLDOWN_SECONDS: '600',
  },
});
let endpointId = '';

async function alerts(): Promise<Array<Record<string, unknown>>> {
  await t.server.services.ratelimitAlerts!.idle();
  const deliveries = await t.server.store.listWebhookDeliveries({ workspaceId: t.workspaceId, endpointId, limit: 1000 });
  return deliveries
    .map((d) => JSON.parse(d.payload))
    .filter((p) => p.type === 'ratelimit.exceeded')
    .map((p) => p.data)
    .reverse();
}

const limit = (identifier: string) => t.call('ratelimit.limit', { namespace: 'api-calls', identifier, limit: 1, duration: 60_000 });

beforeAll(async () => {
  endpointId = (await t.call('webhooks.createEndpoint', { url: 'https://receiver.example/hook', eventTypes: ['ratelimit.exceeded'] })).body
    .data.endpointId;
});

it('fires once at the 5th refusal within the window, then not again until the cool-down has passed', async () => {
  expect((await limit('user_1')).body.data.success).toBe(true);
  for (let i = 0; i < 4; i++) expect((await limit('user_1')).body.data.success).toBe(false);
  expect(await alerts()).toEqual([]);
  await limit('user_1');
  const [fired] = await alerts();
  expect(fired).toMatchObject({
    workspaceId: t.workspaceId,
    namespace: 'api-calls',
    identifier: 'user_1',
    refusals: 5,
    windowMs: 60_000,
    cooldownMs: 600_000,
  });
  expect(fired!.namespaceId).toMatch(/^rlns_/);
  // Many more refusals within the cool-down, across windows: nothing more.
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 6; i++) await limit('user_1');
    t.clock.advance(61_000);
  }
  expect(await alerts()).toHaveLength(1);
  t.clock.advance(600_000);
  // A new window: the first call passes, the next five are refused.
  for (let i = 0; i < 6; i++) await limit('user_1');
  expect((await alerts()).map((a) => a.identifier)).toEqual(['user_1', 'user_1']);
});

it('refusals spread beyond the window do not add up; other identifiers count apart', async () => {
  await limit('user_2');
  for (let i = 0; i < 4; i++) await limit('user_2');
  await limit('user_3');
  for (let i = 0; i < 3; i++) await limit('user_3');
  t.clock.advance(60_000);
  // user_2 had 4 refusals in the window that ended; 1 more in a new window is not 5.
  await limit('user_2');
  expect((await alerts()).filter((a) => a.identifier !== 'user_1')).toEqual([]);
});

it("a key's own limit refused in verification fires for the key and the limit's name", async () => {
  const apiId = await newApi(t);
  const { keyId, key } = await newKey(t, { apiId, ratelimits: [{ name: 'requests', limit: 1, duration: 60_000, autoApply: true }] });
  const codes = [];
  for (let i = 0; i < 8; i++) codes.push((await t.call('keys.verifyKey', { key })).body.data.code);
  expect(codes.filter((c) => c === 'RATE_LIMITED')).toHaveLength(7);
  const forKey = (await alerts()).filter((a) => a.keyId === keyId);
  expect(forKey).toEqual([
    { workspaceId: t.workspaceId, keyId, identifier: 'requests', refusals: 5, windowMs: 60_000, cooldownMs: 600_000 },
  ]);
});

it('many claims of one alert at once, as from many nodes, fire it once', async () => {
  const claim = {
    workspaceId: t.workspaceId,
    subject: { type: 'namespace' as const, id: 'rlns_many', name: 'many' },
    identifier: 'x',
    refusals: 5,
    windowMs: 60_000,
    cooldownMs: 600_000,
    now: t.clock.now(),
  };
  const claimed = await Promise.all(Array.from({ length: 30 }, () => t.server.store.claimRatelimitAlert(claim)));
  expect(claimed.filter(Boolean)).toHaveLength(1);
  expect(await t.server.store.claimRatelimitAlert({ ...claim, now: claim.now + 599_999 })).toBe(false);
  expect(await t.server.store.claimRatelimitAlert({ ...claim, now: claim.now + 600_000 })).toBe(true);
  expect((await alerts()).filter((a) => a.namespaceId === 'rlns_many')).toHaveLength(2);
});
