import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import type { AuditEntry, Store, StoreOps, WebhookEndpointRecord } from '../store.js';
import { NOW, type StoreSuite } from './fixtures.js';

/** A webhook endpoint row of `workspaceId` (transactions.suite.ts uses it too). */
export function endpointRow(workspaceId: string, fields: Partial<WebhookEndpointRecord> = {}): WebhookEndpointRecord {
  return {
    id: newId('webhookEndpoint', NOW),
    workspaceId,
    url: 'https://hooks.example.com/keyward',
    description: null,
    secret: 'whsec_c2VjcmV0',
    eventTypes: [],
    enabled: true,
    createdAt: NOW,
    updatedAt: null,
    ...fields,
  };
}

function auditRecord(workspaceId: string, event: string, at = NOW): AuditEntry {
  return {
    id: newId('auditLog', at),
    workspaceId,
    event,
    time: at,
    actor: { type: 'system', id: 'suite' },
    description: `${event} in the suite`,
    resources: [{ type: 'key', id: 'key_suite' }],
    sourceIp: null,
    userAgent: null,
    requestId: null,
  };
}

/** Appends audit records in one transaction, as a mutation does. */
const mutate = (store: Store, entries: AuditEntry[], work: (tx: StoreOps) => Promise<void> = async () => undefined) =>
  store.transaction(async (tx) => {
    await work(tx);
    for (const entry of entries) await tx.appendAudit(entry);
  });

/** Webhook endpoints and their outbox (storage/webhooks.ts). Claims are store-wide, so those cases use a store of their own. */
export function webhookCases(suite: StoreSuite): void {
  describe('webhooks', () => {
    const { newWorkspace } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('creates, finds, lists, updates and deletes endpoints, each workspace seeing only its own', async () => {
      const [ws, other] = [await newWorkspace(), await newWorkspace()];
      const a = endpointRow(ws, { eventTypes: ['key.deleted', 'key.created'], description: 'audit sink' });
      const b = endpointRow(ws, { enabled: false });
      await store.createWebhookEndpoint(a);
      await store.createWebhookEndpoint(b);
      expect(await store.findWebhookEndpoint(ws, a.id)).toEqual({ ...a, eventTypes: ['key.created', 'key.deleted'] });
      expect(await store.findWebhookEndpoint(other, a.id)).toBeUndefined();
      expect((await store.listWebhookEndpoints({ workspaceId: ws, limit: 10 })).map((e) => e.id)).toEqual([a.id, b.id]);
      expect((await store.listWebhookEndpoints({ workspaceId: ws, limit: 10, cursor: a.id })).map((e) => e.id)).toEqual([b.id]);
      expect(await store.listWebhookEndpoints({ workspaceId: other, limit: 10 })).toEqual([]);

      expect(await store.updateWebhookEndpoint(other, a.id, { enabled: false }, NOW + 1)).toBe(false);
      expect(
        await store.updateWebhookEndpoint(ws, a.id, { url: 'https://other.example.com/', eventTypes: [], enabled: false }, NOW + 1),
      ).toBe(true);
      expect(await store.findWebhookEndpoint(ws, a.id)).toMatchObject({
        url: 'https://other.example.com/',
        eventTypes: [],
        enabled: false,
        description: 'audit sink',
        updatedAt: NOW + 1,
      });
      expect(await store.deleteWebhookEndpoint(other, a.id)).toBe(false);
      expect(await store.deleteWebhookEndpoint(ws, a.id)).toBe(true);
      expect(await store.deleteWebhookEndpoint(ws, a.id)).toBe(false);
      expect(await store.findWebhookEndpoint(ws, a.id)).toBeUndefined();
    });

    it("an audit record queues one delivery per enabled endpoint of its workspace that takes the event's type", async () => {
      const [ws, other] = [await newWorkspace(), await newWorkspace()];
      const all = endpointRow(ws);
      const onlyDeletes = endpointRow(ws, { eventTypes: ['key.deleted'] });
      const disabled = endpointRow(ws, { enabled: false });
      const foreign = endpointRow(other);
      for (const e of [all, onlyDeletes, disabled, foreign]) await store.createWebhookEndpoint(e);
      const created = auditRecord(ws, 'key.create');
      await mutate(store, [created, auditRecord(ws, 'api.create')]);
      const deliveries = await store.listWebhookDeliveries({ workspaceId: ws, limit: 10 });
      expect(deliveries).toHaveLength(1);
      expect(deliveries[0]).toMatchObject({
        endpointId: all.id,
        eventType: 'key.created',
        status: 'pending',
        attempts: 0,
        nextAttemptAt: NOW,
        giveUpAt: NOW + 86_400_000,
        createdAt: NOW,
        lastStatusCode: null,
        deliveredAt: null,
      });
      expect(deliveries[0]!.id).toMatch(/^msg_/);
      expect(JSON.parse(deliveries[0]!.payload)).toEqual({
        type: 'key.created',
        timestamp: new Date(NOW).toISOString(),
        data: {
          workspaceId: ws,
          auditLogId: created.id,
          auditEvent: 'key.create',
          actor: { type: 'system', id: 'suite' },
          description: 'key.create in the suite',
          resources: [{ type: 'key', id: 'key_suite' }],
        },
      });
      await mutate(store, [auditRecord(ws, 'key.delete', NOW + 5)]);
      const after = await store.listWebhookDeliveries({ workspaceId: ws, limit: 10 });
      expect(after.map((d) => [d.endpointId, d.eventType]).sort()).toEqual(
        [
          [all.id, 'key.created'],
          [all.id, 'key.deleted'],
          [onlyDeletes.id, 'key.deleted'],
        ].sort(),
      );
      // Newest first, paged by id; one endpoint's only.
      expect(after[after.length - 1]!.eventType).toBe('key.created');
      const firstPage = await store.listWebhookDeliveries({ workspaceId: ws, limit: 2 });
      const nextPage = await store.listWebhookDeliveries({ workspaceId: ws, limit: 2, cursor: firstPage[1]!.id });
      expect([...firstPage, ...nextPage].map((d) => d.id)).toEqual(after.map((d) => d.id));
      expect(
        (await store.listWebhookDeliveries({ workspaceId: ws, endpointId: onlyDeletes.id, limit: 10 })).map((d) => d.eventType),
      ).toEqual(['key.deleted']);
      expect(await store.listWebhookDeliveries({ workspaceId: other, limit: 10 })).toEqual([]);
      expect(await store.findWebhookDelivery(other, after[0]!.id)).toBeUndefined();
      expect(await store.findWebhookDelivery(ws, after[0]!.id)).toEqual(after[0]);
    });

    it('a transaction that rolls back queues nothing', async () => {
      const ws = await newWorkspace();
      await store.createWebhookEndpoint(endpointRow(ws));
      await expect(
        mutate(store, [auditRecord(ws, 'key.create')], async () => {
          throw new Error('the change fails');
        }),
      ).rejects.toThrow('the change fails');
      await expect(
        store.transaction(async (tx) => {
          await tx.appendAudit(auditRecord(ws, 'key.create'));
          throw new Error('fails after the record');
        }),
      ).rejects.toThrow('fails after the record');
      expect(await store.listWebhookDeliveries({ workspaceId: ws, limit: 10 })).toEqual([]);
    });

    it('lists the secrets stored unsealed and seals one only while it still holds what was read', async () => {
      await suite.withOwnStore(async (own) => {
        const ws = await suite.newWorkspace(own);
        const plain = endpointRow(ws, { secret: 'whsec_cGxhaW4=' });
        const sealed = endpointRow(ws, { secret: 'kw1.dek_0000000001.c2VhbGVk' });
        await own.createWebhookEndpoint(plain);
        await own.createWebhookEndpoint(sealed);
        expect(await own.listPlaintextWebhookSecrets(10)).toEqual([{ workspaceId: ws, endpointId: plain.id, secret: plain.secret }]);
        expect(await own.sealWebhookSecret(plain.id, 'whsec_b3RoZXI=', 'kw1.dek_0000000001.eA')).toBe(false);
        expect(await own.sealWebhookSecret(plain.id, plain.secret, 'kw1.dek_0000000001.eA')).toBe(true);
        expect(await own.sealWebhookSecret(plain.id, plain.secret, 'kw1.dek_0000000001.eQ')).toBe(false);
        expect((await own.findWebhookEndpoint(ws, plain.id))?.secret).toBe('kw1.dek_0000000001.eA');
        expect(await own.listPlaintextWebhookSecrets(10)).toEqual([]);
      });
    });

    it('claims due deliveries for a lease, records attempts, retries, gives up, and redelivers', async () => {
      await suite.withOwnStore(async (own) => {
        const ws = await newWorkspace(own);
        const endpoint = endpointRow(ws, { secret: 'whsec_b3du' });
        await own.createWebhookEndpoint(endpoint);
        await mutate(own, [auditRecord(ws, 'key.create'), auditRecord(ws, 'key.delete', NOW + 10)]);
        expect(await own.claimWebhookDeliveries(NOW - 1, 10, 60_000)).toEqual([]);
        const [first, ...rest] = await own.claimWebhookDeliveries(NOW, 10, 60_000);
        expect(rest).toEqual([]);
        expect(first).toMatchObject({
          eventType: 'key.created',
          attempts: 1,
          nextAttemptAt: NOW + 60_000,
          url: endpoint.url,
          secret: 'whsec_b3du',
        });
        // Claimed: not claimed again within its lease.
        expect((await own.claimWebhookDeliveries(NOW + 10, 10, 60_000)).map((d) => d.eventType)).toEqual(['key.deleted']);
        expect(await own.claimWebhookDeliveries(NOW + 59_000, 10, 60_000)).toEqual([]);

        const failed = { at: NOW + 100, ok: false, statusCode: 503, error: 'answered 503', durationMs: 12.4, nextAttemptAt: NOW + 5_000 };
        expect(await own.recordWebhookAttempt(first!.id, 2, failed)).toBe(false);
        expect(await own.recordWebhookAttempt(first!.id, 1, failed)).toBe(true);
        expect(await own.findWebhookDelivery(ws, first!.id)).toMatchObject({
          status: 'pending',
          attempts: 1,
          nextAttemptAt: NOW + 5_000,
          lastAttemptAt: NOW + 100,
          lastStatusCode: 503,
          lastError: 'answered 503',
          lastDurationMs: 12,
        });
        const [again] = await own.claimWebhookDeliveries(NOW + 5_000, 10, 60_000);
        expect(again).toMatchObject({ id: first!.id, attempts: 2 });
        const ok = { at: NOW + 5_010, ok: true, statusCode: 204, error: null, durationMs: 3, nextAttemptAt: null };
        expect(await own.recordWebhookAttempt(first!.id, 2, ok)).toBe(true);
        // Acknowledged: never claimed again, and a late result of an older attempt changes nothing.
        expect(await own.recordWebhookAttempt(first!.id, 2, failed)).toBe(false);
        expect(await own.claimWebhookDeliveries(NOW + 10 * 86_400_000, 10, 60_000)).toHaveLength(1);
        expect(await own.findWebhookDelivery(ws, first!.id)).toMatchObject({
          status: 'delivered',
          deliveredAt: NOW + 5_010,
          lastStatusCode: 204,
        });

        const second = (await own.listWebhookDeliveries({ workspaceId: ws, limit: 10 })).find((d) => d.eventType === 'key.deleted')!;
        const attempts = second.attempts;
        const giveUp = {
          at: NOW + 10 * 86_400_000,
          ok: false,
          statusCode: null,
          error: 'timed out',
          durationMs: 10_000,
          nextAttemptAt: null,
        };
        expect(await own.recordWebhookAttempt(second.id, attempts, giveUp)).toBe(true);
        expect(await own.findWebhookDelivery(ws, second.id)).toMatchObject({ status: 'failed', lastError: 'timed out' });
        expect(await own.claimWebhookDeliveries(NOW + 20 * 86_400_000, 10, 60_000)).toEqual([]);

        expect(await own.redeliverWebhook('ws_other', second.id, NOW + 11 * 86_400_000, NOW + 12 * 86_400_000)).toBe(false);
        expect(await own.redeliverWebhook(ws, second.id, NOW + 11 * 86_400_000, NOW + 12 * 86_400_000)).toBe(true);
        const [redelivered] = await own.claimWebhookDeliveries(NOW + 11 * 86_400_000, 10, 60_000);
        expect(redelivered).toMatchObject({ id: second.id, attempts: attempts + 1, giveUpAt: NOW + 12 * 86_400_000 });

        // Deleting the endpoint deletes its deliveries.
        expect(await own.deleteWebhookEndpoint(ws, endpoint.id)).toBe(true);
        expect(await own.listWebhookDeliveries({ workspaceId: ws, limit: 10 })).toEqual([]);
      });
    });
  });
}
