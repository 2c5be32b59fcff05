import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, auditEvents, newApi, newKey } from '../../../../test/key-fixtures.js';
import { INSUFFICIENT } from '../../../../test/root-key-fixtures.js';

// Private addresses stay refused here: the SSRF check of endpoint URLs is part of what is tested.
const t = useTestServer();

const ENDPOINT_NOT_FOUND = 'https://unkey.com/docs/errors/keyward/data/webhook_endpoint_not_found';
const DELIVERY_NOT_FOUND = 'https://unkey.com/docs/errors/keyward/data/webhook_delivery_not_found';
const URL_OK = 'https://hooks.example.com/keyward';

const create = (body: Record<string, unknown>, rootKey = t.rootKey) => t.call('webhooks.createEndpoint', body, { rootKey });
const list = (rootKey = t.rootKey) => t.call('webhooks.listEndpoints', {}, { rootKey });
const deliveries = (body: Record<string, unknown> = {}, rootKey = t.rootKey) => t.call('webhooks.listDeliveries', body, { rootKey });

describe('webhooks.* endpoints', () => {
  it('creates an endpoint whose secret is answered once; lists it without the secret; audited', async () => {
    const res = await create({ url: URL_OK, description: 'alerts', eventTypes: ['key.deleted', 'key.created', 'key.created'] });
    expect(res.status).toBe(200);
    const { endpointId, secret } = res.body.data;
    expect(endpointId).toMatch(/^whep_/);
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const listed = (await list()).body.data.find((e: { id: string }) => e.id === endpointId);
    expect(listed).toEqual({
      id: endpointId,
      url: URL_OK,
      description: 'alerts',
      eventTypes: ['key.created', 'key.deleted'],
      enabled: true,
      createdAt: t.clock.now(),
    });
    expect(JSON.stringify((await list()).body)).not.toContain(secret.slice(6));
    expect(await auditEvents(t, endpointId)).toEqual(['webhook.create']);
    const audit = await t.call('audit.listLogs', { resourceId: endpointId });
    expect(JSON.stringify(audit.body)).not.toContain(secret.slice(6));
  });

  it('queues one delivery per matching event for enabled endpoints only; the log shows it pending', async () => {
    const { endpointId } = (await create({ url: URL_OK, eventTypes: ['key.created'] })).body.data;
    const off = (await create({ url: URL_OK, enabled: false })).body.data.endpointId;
    const apiId = await newApi(t);
    const { keyId } = await newKey(t, { apiId });
    await t.call('keys.deleteKey', { keyId });
    const res = await deliveries({ endpointId });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      {
        id: expect.stringMatching(/^msg_/),
        endpointId,
        eventType: 'key.created',
        status: 'pending',
        attempts: 0,
        createdAt: t.clock.now(),
        nextAttemptAt: t.clock.now(),
      },
    ]);
    expect((await deliveries({ endpointId: off })).body.data).toEqual([]);
  });

  it('updates fields left and right, disables, and deletes with its deliveries; each audited', async () => {
    const { endpointId } = (await create({ url: URL_OK, description: 'x' })).body.data;
    t.clock.advance(1000);
    const update = await t.call('webhooks.updateEndpoint', {
      endpointId,
      url: 'https://b.example.com/',
      description: null,
      enabled: false,
    });
    expect(update.status).toBe(200);
    const listed = (await list()).body.data.find((e: { id: string }) => e.id === endpointId);
    expect(listed).toMatchObject({ url: 'https://b.example.com/', enabled: false, eventTypes: [], updatedAt: t.clock.now() });
    expect(listed.description).toBeUndefined();
    expect((await t.call('webhooks.deleteEndpoint', { endpointId })).status).toBe(200);
    expect((await list()).body.data.map((e: { id: string }) => e.id)).not.toContain(endpointId);
    expect(await auditEvents(t, endpointId)).toEqual(['webhook.create', 'webhook.update', 'webhook.delete']);
  });

  it('400: private, loopback and metadata addresses, bad schemes, credentials, unknown event types and fields; nothing created', async () => {
    const before = (await list()).body.data.length;
    for (const body of [
      { url: 'http://127.0.0.1:8080/' },
      { url: 'http://localhost/' },
      { url: 'http://169.254.169.254/latest/meta-data' },
      { url: 'http://[::1]/' },
      { url: 'http://10.0.0.8/' },
      { url: 'ftp://hooks.example.com/' },
      { url: 'https://user:pw@hooks.example.com/' },
      { url: 'not a url' },
      { url: URL_OK, eventTypes: ['key.exploded'] },
      { url: URL_OK, secret: 'whsec_mine' },
      {},
    ]) {
      const res = await create(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(JSON.stringify(res.body)).not.toContain('whsec_');
    }
    const { endpointId } = (await create({ url: URL_OK })).body.data;
    expect((await t.call('webhooks.updateEndpoint', { endpointId, url: 'http://192.168.1.1/' })).status).toBe(400);
    expect((await list()).body.data.length).toBe(before + 1);
    expect((await list()).body.data.find((e: { id: string }) => e.id === endpointId).url).toBe(URL_OK);
  });

  it('403 without the webhook permissions; a read-only key reads but cannot change', async () => {
    const none = await t.rootKeyWith(['api.*.create_api']);
    const reader = await t.rootKeyWith(['webhook.*.read_webhook']);
    const { endpointId } = (await create({ url: URL_OK })).body.data;
    for (const [operation, body] of [
      ['webhooks.createEndpoint', { url: URL_OK }],
      ['webhooks.updateEndpoint', { endpointId, enabled: false }],
      ['webhooks.deleteEndpoint', { endpointId }],
      ['webhooks.redeliver', { deliveryId: 'msg_whatever' }],
    ] as const) {
      for (const rootKey of [none, reader]) {
        const res = await t.call(operation, body, { rootKey });
        expect(res.status, operation).toBe(403);
        expect(res.body.error.type).toBe(INSUFFICIENT);
      }
    }
    expect((await list(none)).status).toBe(403);
    expect((await deliveries({}, none)).status).toBe(403);
    expect((await list(reader)).status).toBe(200);
    expect((await list()).body.data.find((e: { id: string }) => e.id === endpointId).enabled).toBe(true);
  });

  it("404: another workspace's endpoints and deliveries look missing, and nothing of theirs changes", async () => {
    const other = await t.newWorkspace();
    const foreign = (await create({ url: URL_OK }, other.rootKey)).body.data.endpointId;
    const apiId = await newApi(t, other.rootKey);
    await newKey(t, { apiId }, other.rootKey);
    const foreignDelivery = (await deliveries({}, other.rootKey)).body.data[0].id;
    const records = await auditCount(t, other.workspaceId);
    for (const [operation, body, type] of [
      ['webhooks.updateEndpoint', { endpointId: foreign, enabled: false }, ENDPOINT_NOT_FOUND],
      ['webhooks.deleteEndpoint', { endpointId: foreign }, ENDPOINT_NOT_FOUND],
      ['webhooks.listDeliveries', { endpointId: foreign }, ENDPOINT_NOT_FOUND],
      ['webhooks.deleteEndpoint', { endpointId: 'whep_missing' }, ENDPOINT_NOT_FOUND],
      ['webhooks.redeliver', { deliveryId: foreignDelivery }, DELIVERY_NOT_FOUND],
      ['webhooks.redeliver', { deliveryId: 'msg_missing' }, DELIVERY_NOT_FOUND],
    ] as const) {
      const res = await t.call(operation, body);
      expect(res.status, `${operation} ${JSON.stringify(body)}`).toBe(404);
      expect(res.body.error.type).toBe(type);
    }
    expect(await auditCount(t, other.workspaceId)).toBe(records);
    expect((await list(other.rootKey)).body.data[0]).toMatchObject({ id: foreign, enabled: true });
    expect((await deliveries({}, t.rootKey)).body.data.map((d: { id: string }) => d.id)).not.toContain(foreignDelivery);
  });
});
