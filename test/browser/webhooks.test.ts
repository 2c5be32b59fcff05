import { Unkey } from '@unkey/api';
import { afterAll, describe, expect, it } from 'vitest';
import { WebhookReceiver } from '../webhook-receiver.js';
import { accessibilityViolations, backendAvailable, startDashboard } from './harness.js';
import { callAsOperator, operatorPage } from './operator.js';

/**
 * The Webhooks page in chromium (issue 17, item 3): an endpoint created in the UI (its signing secret shown once), a key
 * created through the real `@unkey/api` client, its delivery to a local receiver that verifies every signature
 * (test/webhook-receiver.ts, with Keyward's verifyWebhook) seen in the UI as delivered, redelivered from the UI and
 * received again with the same webhook-id; disabled, enabled, deleted; refusals shown. The dispatcher is run by hand
 * (server.webhooks.deliverDue), as its timer would. A read-only operator sees no control that changes anything.
 */

const run = await startDashboard({ env: { KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on' } });
const hasBackend = await backendAvailable(run.t);
let secret = '';
const receiver = new WebhookReceiver(
  () => secret,
  () => run.t.clock.now(),
);
await receiver.start();
afterAll(async () => {
  await receiver.stop();
  await run.close();
});

const deliverDue = () => run.t.server.webhooks.deliverDue();
const endpointsListed = async () => (await run.t.call('webhooks.listEndpoints', {})).body.data as { id: string; enabled: boolean }[];

describe('the Webhooks page', { timeout: 300_000 }, () => {
  it.skipIf(!hasBackend)(
    'an endpoint created, its delivery seen and redelivered, disabled, enabled and deleted, in the UI; refusals; 375 px dark',
    async () => {
      const unkey = new Unkey({ rootKey: run.t.rootKey, serverURL: run.origin, retryConfig: { strategy: 'none' } });
      const recorded = await operatorPage(run, 'admin');
      const { page } = recorded;
      try {
        await page.goto(`${run.origin}/dashboard/apis`);
        await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Webhooks' }).click();
        await page.getByRole('heading', { name: 'Webhooks', exact: true, level: 1 }).waitFor();
        expect(new URL(page.url()).pathname).toBe('/dashboard/webhooks');
        await page.getByText('No webhook endpoints yet.').waitFor();
        expect(await accessibilityViolations(page), 'empty webhooks page').toEqual([]);

        // A URL the server refuses (not http or https): its detail, in its own words; nothing created.
        const form = page.getByRole('form', { name: 'Create an endpoint' });
        await form.getByLabel('URL').fill('ftp://hooks.example.com/keyward');
        await form.getByRole('button', { name: 'Create endpoint' }).click();
        const refused = await run.t.call('webhooks.createEndpoint', { url: 'ftp://hooks.example.com/keyward' });
        expect(refused.status).toBe(400);
        await form.getByRole('alert').getByText(refused.body.error.detail, { exact: true }).waitFor();
        expect(await endpointsListed()).toEqual([]);

        // Created for key.created only: the secret is shown once, in a dialog, and is nowhere in the listing.
        await form.getByLabel('URL').fill(receiver.url);
        await form.getByLabel('Description').fill('alerts');
        await form.getByLabel('key.created', { exact: true }).check();
        await form.getByRole('button', { name: 'Create endpoint' }).click();
        const dialog = page.getByRole('dialog', { name: "Your endpoint's signing secret" });
        await dialog.getByText('it will not be shown again').waitFor();
        secret = await dialog.getByLabel('Signing secret').inputValue();
        expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
        expect(await dialog.getByRole('button', { name: 'Copy secret' }).count()).toBe(1);
        expect(await accessibilityViolations(page), 'secret dialog').toEqual([]);
        await dialog.getByRole('button', { name: 'I have saved it, close' }).click();
        await dialog.waitFor({ state: 'detached' });
        expect(await page.getByText(secret.slice(6)).count()).toBe(0);
        const [endpoint] = await endpointsListed();
        expect(endpoint).toMatchObject({ url: receiver.url, description: 'alerts', eventTypes: ['key.created'], enabled: true });
        expect(JSON.stringify(await endpointsListed())).not.toContain(secret.slice(6));
        const table = page.getByRole('region', { name: 'Endpoints table' });
        const row = table.getByRole('row').filter({ hasText: receiver.url });
        await row.waitFor();
        expect((await row.getByRole('cell').allTextContents()).slice(0, 4)).toEqual([receiver.url, 'alerts', 'key.created', 'Enabled']);

        // A key created through @unkey/api: one delivery, verified by the receiver, shown as delivered.
        const { data: api } = await unkey.apis.createApi({ name: 'webhooked' });
        const { data: key } = await unkey.keys.createKey({ apiId: api.apiId, name: 'first' });
        expect(await deliverDue()).toBe(1);
        expect(receiver.refused).toEqual([]);
        expect(receiver.accepted).toHaveLength(1);
        const [first] = receiver.accepted;
        expect(first!.payload.type).toBe('key.created');
        expect(JSON.stringify(first!.payload)).toContain(key.keyId);
        expect(first!.body).not.toContain(key.key);
        await row.getByRole('button', { name: `Deliveries to ${receiver.url}` }).click();
        const deliveries = page.getByRole('region', { name: 'Deliveries table' });
        const deliveryRow = deliveries.getByRole('row').filter({ hasText: first!.id });
        await deliveryRow.getByRole('cell', { name: 'Delivered', exact: true }).waitFor();
        expect(await deliveryRow.getByRole('cell').allTextContents()).toEqual([
          'key.created',
          'Delivered',
          '1',
          '204',
          expect.any(String),
          expect.any(String),
          first!.id,
          'Redeliver',
        ]);
        expect(await accessibilityViolations(page), 'webhooks page with deliveries').toEqual([]);

        // Redelivered from the UI: queued again, then received again with the same webhook-id, verified.
        await deliveryRow.getByRole('button', { name: `Redeliver key.created ${first!.id}` }).click();
        await page.getByRole('status').getByText('queued again').waitFor();
        await deliveryRow.getByRole('cell', { name: 'Pending', exact: true }).waitFor();
        expect(await deliverDue()).toBe(1);
        expect(receiver.refused).toEqual([]);
        expect(receiver.countsById().get(first!.id)).toBe(2);
        await page.getByRole('button', { name: 'Refresh' }).click();
        await deliveryRow.getByRole('cell', { name: 'Delivered', exact: true }).waitFor();

        // Disabled: a new key queues nothing for it. Enabled again: the next key is delivered.
        await row.getByRole('button', { name: `Disable endpoint ${receiver.url}` }).click();
        await row.getByRole('cell', { name: 'Disabled', exact: true }).waitFor();
        expect((await endpointsListed())[0]!.enabled).toBe(false);
        await unkey.keys.createKey({ apiId: api.apiId, name: 'while disabled' });
        expect(await deliverDue()).toBe(0);
        await row.getByRole('button', { name: `Enable endpoint ${receiver.url}` }).click();
        await row.getByRole('cell', { name: 'Enabled', exact: true }).waitFor();
        expect((await endpointsListed())[0]!.enabled).toBe(true);
        await unkey.keys.createKey({ apiId: api.apiId, name: 'enabled again' });
        expect(await deliverDue()).toBe(1);
        expect(receiver.accepted).toHaveLength(3);
        await page.getByRole('button', { name: 'Refresh' }).click();
        await deliveries.getByRole('row').nth(2).waitFor();
        expect(await deliveries.getByRole('row').count()).toBe(3);

        // 375 px wide, dark.
        await page.setViewportSize({ width: 375, height: 740 });
        await page.emulateMedia({ colorScheme: 'dark' });
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
        expect(await accessibilityViolations(page), 'webhooks page, 375 px, dark').toEqual([]);

        // Deleted after a confirmation, with its deliveries.
        await row.getByRole('button', { name: `Delete endpoint ${receiver.url}` }).click();
        await page
          .getByRole('dialog', { name: `Delete endpoint ${receiver.url}?` })
          .getByRole('button', { name: 'Delete endpoint' })
          .click();
        await page.getByText('No webhook endpoints yet.').waitFor();
        expect(await deliveries.count()).toBe(0);
        expect(await endpointsListed()).toEqual([]);

        for (const url of recorded.requests) expect(url.startsWith(`${run.origin}/`), url).toBe(true);
        expect(await recorded.violations()).toEqual([]);
        expect(recorded.pageErrors).toEqual([]);
      } finally {
        await recorded.context.close();
      }
    },
  );

  it.skipIf(!hasBackend)('a read-only operator sees endpoints and deliveries without controls, and the server refuses it', async () => {
    const created = await run.t.call('webhooks.createEndpoint', {
      url: 'https://hooks.example.com/read-only',
      eventTypes: ['key.created'],
    });
    expect(created.status).toBe(200);
    const { endpointId } = created.body.data;
    const { apiId } = (await run.t.call('apis.createApi', { name: 'read only view' })).body.data;
    expect((await run.t.call('keys.createKey', { apiId })).status).toBe(200);
    const [delivery] = (await run.t.call('webhooks.listDeliveries', { endpointId })).body.data as { id: string }[];
    const recorded = await operatorPage(run, 'read_only');
    const { page } = recorded;
    try {
      await page.goto(`${run.origin}/dashboard/webhooks`);
      const row = page.getByRole('region', { name: 'Endpoints table' }).getByRole('row').filter({ hasText: 'read-only' });
      await row.waitFor();
      expect(await page.getByRole('form').count()).toBe(0);
      expect(await page.getByRole('button', { name: /^(Disable|Enable|Delete) endpoint/ }).count()).toBe(0);
      await row.getByRole('button', { name: 'Deliveries to https://hooks.example.com/read-only' }).click();
      await page.getByRole('region', { name: 'Deliveries table' }).getByText(delivery!.id).waitFor();
      expect(await page.getByRole('button', { name: /^Redeliver/ }).count()).toBe(0);
      expect(await accessibilityViolations(page), 'webhooks page, read-only').toEqual([]);

      for (const [operation, body] of [
        ['webhooks.createEndpoint', { url: 'https://hooks.example.com/mine' }],
        ['webhooks.updateEndpoint', { endpointId, enabled: false }],
        ['webhooks.deleteEndpoint', { endpointId }],
        ['webhooks.redeliver', { deliveryId: delivery!.id }],
      ] as const) {
        expect((await callAsOperator(page, operation, body)).status, operation).toBe(403);
      }
      expect((await endpointsListed()).find((e) => e.id === endpointId)?.enabled).toBe(true);
    } finally {
      await recorded.context.close();
    }
  });
});
