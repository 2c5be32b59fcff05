import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newApi, newKey } from './key-fixtures.js';
import { useTestServer } from './per-file-server.js';
import { WebhookReceiver } from './webhook-receiver.js';

/**
 * Deliveries end to end, on either engine: a local receiver that verifies every signature with Keyward's own
 * verifyWebhook, is down for a while (connections refused, then 503) and comes back. The fake clock drives the backoff;
 * the dispatcher is run by hand (server.webhooks.deliverDue), as its timer would.
 */
const t = useTestServer({ env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on', KEYWARD_WEBHOOK_TIMEOUT_MS: '2000' } });
let secret = '';
const receiver = new WebhookReceiver(
  () => secret,
  () => t.clock.now(),
);
let endpointId = '';

const deliveries = async () => (await t.call('webhooks.listDeliveries', { endpointId })).body.data as any[];
const deliver = () => t.server.webhooks.deliverDue();

beforeAll(async () => {
  await receiver.start();
  const created = await t.call('webhooks.createEndpoint', { url: receiver.url });
  ({ endpointId, secret } = created.body.data);
});
afterAll(() => receiver.stop());

describe('webhook delivery', () => {
  it('a receiver down for a while loses no event, and none is delivered twice once acknowledged', async () => {
    await receiver.stop();
    const apiId = await newApi(t);
    const keys = [await newKey(t, { apiId }), await newKey(t, { apiId }), await newKey(t, { apiId })];
    await t.call('keys.updateKey', { keyId: keys[0]!.keyId, name: 'renamed' });
    await t.call('keys.rerollKey', { keyId: keys[1]!.keyId, expiration: 0 });
    await t.call('keys.deleteKey', { keyId: keys[2]!.keyId });
    const rootKey = (await t.call('rootKeys.createRootKey', { name: 'ci', permissions: [] })).body.data;
    await t.call('rootKeys.revokeRootKey', { rootKeyId: rootKey.rootKeyId });
    const queued = await deliveries();
    expect(queued.map((d) => d.eventType).sort()).toEqual(
      [
        'key.created',
        'key.created',
        'key.created',
        'key.updated',
        'key.rerolled',
        'key.deleted',
        'root_key.created',
        'root_key.revoked',
      ].sort(),
    );

    // Down: every attempt meets a refused connection; each is logged, and the next one waits 5 s.
    expect(await deliver()).toBe(queued.length);
    for (const d of await deliveries()) {
      expect(d).toMatchObject({
        status: 'pending',
        attempts: 1,
        lastError: 'could not connect: ECONNREFUSED',
        nextAttemptAt: t.clock.now() + 5_000,
      });
    }
    t.clock.advance(4_999);
    expect(await deliver()).toBe(0);
    t.clock.advance(1);
    expect(await deliver()).toBe(queued.length);

    // Back, but answering 503: attempts 3 and 4, 10 s then 20 s later.
    await receiver.start();
    receiver.mode = 'unavailable';
    t.clock.advance(10_000);
    expect(await deliver()).toBe(queued.length);
    expect((await deliveries())[0]).toMatchObject({ attempts: 3, lastStatusCode: 503, lastError: 'answered 503', status: 'pending' });
    expect(receiver.accepted).toEqual([]);

    // Up: everything arrives once, verified, with the payload of its audit record.
    receiver.mode = 'ok';
    t.clock.advance(20_000);
    expect(await deliver()).toBe(queued.length);
    expect(receiver.refused).toEqual([]);
    expect([...receiver.countsById().values()]).toEqual(queued.map(() => 1));
    expect(new Set(receiver.countsById().keys())).toEqual(new Set(queued.map((d) => d.id)));
    const deleted = receiver.accepted.find((r) => r.payload.type === 'key.deleted')!;
    expect(deleted.payload.data).toMatchObject({
      workspaceId: t.workspaceId,
      auditEvent: 'key.delete',
      resources: expect.arrayContaining([expect.objectContaining({ id: keys[2]!.keyId })]),
    });
    expect(deleted.headers['user-agent']).toMatch(/^Keyward-Webhooks\//);
    for (const d of await deliveries()) {
      expect(d).toMatchObject({ status: 'delivered', attempts: 4, lastStatusCode: 204, deliveredAt: t.clock.now() });
      expect(d.nextAttemptAt).toBeUndefined();
      expect(d.lastError).toBeUndefined();
    }
    // A day later, nothing is sent again.
    t.clock.advance(2 * 86_400_000);
    expect(await deliver()).toBe(0);
    expect(receiver.accepted).toHaveLength(queued.length);
    // No secret anywhere in the delivery log.
    expect(JSON.stringify(await t.call('webhooks.listDeliveries', {}))).not.toContain(secret.slice(6));
  });

  it("the receiver refuses a captured delivery replayed after the specification's tolerance, and accepts it within", async () => {
    const captured = receiver.accepted[0]!;
    const sentAt = Number(captured.headers['webhook-timestamp']) * 1000;
    t.clock.set(sentAt + 60_000);
    expect(await receiver.replay(captured)).toBe(204);
    t.clock.set(sentAt + 301_000);
    expect(await receiver.replay(captured)).toBe(401);
    expect(receiver.refused).toEqual(['timestamp_out_of_tolerance']);
    // A forged body under the captured signature fails whatever the time.
    t.clock.set(sentAt);
    expect(await receiver.replay({ ...captured, body: captured.body.replace('key.', 'kex.') })).toBe(401);
    expect(receiver.refused).toEqual(['timestamp_out_of_tolerance', 'no_matching_signature']);
    receiver.accepted.length = 0;
    receiver.refused.length = 0;
  });

  it('redelivery sends the same webhook-id again, freshly signed; audited', async () => {
    const [latest] = await deliveries();
    expect((await t.call('webhooks.redeliver', { deliveryId: latest.id })).status).toBe(200);
    expect((await deliveries())[0]).toMatchObject({ id: latest.id, status: 'pending', nextAttemptAt: t.clock.now() });
    expect(await deliver()).toBe(1);
    expect(receiver.accepted.map((r) => r.id)).toEqual([latest.id]);
    expect(Number(receiver.accepted[0]!.headers['webhook-timestamp'])).toBe(Math.floor(t.clock.now() / 1000));
    const audit = await t.call('audit.listLogs', { resourceId: latest.id });
    expect(audit.body.data.map((r: { event: string }) => r.event)).toEqual(['webhook.redeliver']);
    receiver.accepted.length = 0;
  });

  it('retries with backoff for a day, then gives up; a disabled endpoint is sent nothing until enabled again', async () => {
    await receiver.stop();
    const apiId = await newApi(t);
    const started = t.clock.now();
    await newKey(t, { apiId });
    const [pending] = await deliveries();
    let attempts = 0;
    while ((await deliveries())[0].status === 'pending') {
      attempts += await deliver();
      const next = (await deliveries())[0];
      if (next.status !== 'pending') break;
      t.clock.set(next.nextAttemptAt);
    }
    const [failed] = await deliveries();
    expect(failed).toMatchObject({ id: pending.id, status: 'failed', lastAttemptAt: started + 86_400_000 });
    expect(failed.attempts).toBe(attempts);
    // 5 s doubling to 4 h, then every 4 h, and a last attempt at the day's end.
    expect(attempts).toBeGreaterThanOrEqual(15);
    expect(attempts).toBeLessThanOrEqual(20);

    await receiver.start();
    await t.call('webhooks.updateEndpoint', { endpointId, enabled: false });
    await t.call('webhooks.redeliver', { deliveryId: failed.id });
    expect(await deliver()).toBe(0);
    await t.call('webhooks.updateEndpoint', { endpointId, enabled: true });
    expect(await deliver()).toBe(1);
    expect(receiver.accepted.map((r) => r.id)).toEqual([failed.id]);
  });
});
