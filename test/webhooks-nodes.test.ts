import { afterAll, beforeAll, expect, it } from 'vitest';
import { openSqlStore } from '../src/storage/sql/sql-store.js';
import type { Store } from '../src/storage/store.js';
import { WebhookDispatcher } from '../src/webhooks/dispatcher.js';
import { newApi, newKey } from './key-fixtures.js';
import { useTestServer } from './per-file-server.js';
import { WebhookReceiver } from './webhook-receiver.js';

/**
 * Two nodes on one PostgreSQL database send the same outbox at once: each event reaches the receiver exactly once
 * (claims use FOR UPDATE SKIP LOCKED, storage/sql/webhooks.ts). The second node is a dispatcher on a store of its own,
 * with its own connection pool, as another process would have.
 */
const t = useTestServer({ engine: 'postgres', env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on' } });
let secret = '';
const receiver = new WebhookReceiver(
  () => secret,
  () => t.clock.now(),
);
let otherStore: Store;

beforeAll(async () => {
  await receiver.start();
  secret = (await t.call('webhooks.createEndpoint', { url: receiver.url })).body.data.secret;
  otherStore = await openSqlStore(t.databaseUrl);
});
afterAll(async () => {
  await otherStore.close();
  await receiver.stop();
});

it('two nodes deliver each of 120 events once', async () => {
  const apiId = await newApi(t);
  for (let i = 0; i < 120; i++) await newKey(t, { apiId });
  const otherNode = new WebhookDispatcher({
    store: otherStore,
    clock: t.clock,
    timeoutMs: 5_000,
    maxResponseBytes: 1024,
    allowPrivateAddresses: true,
    userAgent: 'second-node',
    batch: 7,
    vault: t.server.vault,
  });
  receiver.delayMs = 20;
  const [first, second] = await Promise.all([t.server.webhooks.deliverDue(), otherNode.deliverDue()]);
  expect(first + second).toBe(120);
  expect(first).toBeGreaterThan(0);
  expect(second).toBeGreaterThan(0);
  expect(receiver.accepted).toHaveLength(120);
  expect(new Set(receiver.accepted.map((r) => r.id)).size).toBe(120);
  // Nothing left for either.
  t.clock.advance(86_400_000);
  expect(await Promise.all([t.server.webhooks.deliverDue(), otherNode.deliverDue()])).toEqual([0, 0]);
  expect(receiver.accepted).toHaveLength(120);
});
