import { afterAll, beforeAll, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import { newWebhookSecret } from '../src/webhooks/standard-webhooks.js';
import { startTestServer } from './harness.js';
import { newApi, newKey } from './key-fixtures.js';
import { useTestServer } from './per-file-server.js';
import { querySql, runSql } from './raw-sql.js';
import { masterKey } from './vault-fixtures.js';
import { WebhookReceiver } from './webhook-receiver.js';

/**
 * Webhook endpoint secrets sealed by the vault (docs/decisions/0030-webhook-secrets-sealed-by-the-vault.md), on either
 * engine (KEYWARD_TEST_ENGINE): with a vault the raw `webhook_endpoints.secret` column never holds the secret, and
 * deliveries still verify with the Standard Webhooks verifier (test/webhook-receiver.ts); a secret stored unsealed
 * before the vault was configured keeps working and is sealed by the next periodic job. Without a vault: stored as it
 * is, and the start-up says so.
 */
const t = useTestServer({ env: { KEYWARD_MASTER_KEYS: masterKey(1), KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: 'on' } });

const receivers: WebhookReceiver[] = [];
afterAll(async () => {
  for (const receiver of receivers) await receiver.stop();
});

async function receiverFor(secret: () => string): Promise<WebhookReceiver> {
  const receiver = new WebhookReceiver(secret, () => t.clock.now());
  await receiver.start();
  receivers.push(receiver);
  return receiver;
}

const storedSecret = async (endpointId: string): Promise<string> =>
  (await querySql(t.databaseUrl, 'SELECT secret FROM webhook_endpoints WHERE id = ?', [endpointId]))[0]!.secret as string;

/** Neither the secret nor its key bytes (the base64 after `whsec_`) anywhere in the stored value. */
function expectSealed(stored: string, secret: string): void {
  expect(stored).toMatch(/^kw1\.dek_[0-9a-z]+\.[A-Za-z0-9_-]+$/);
  expect(stored).not.toContain(secret.slice('whsec_'.length));
  expect(stored).not.toContain(Buffer.from(secret.slice('whsec_'.length), 'base64').toString('base64url'));
}

/** One `key.created` event, delivered at once. */
async function eventDelivered(): Promise<void> {
  await newKey(t, { apiId: await newApi(t) });
  await t.server.webhooks.deliverDue();
}

beforeAll(() => {
  expect(t.server.vault?.kind).toBe('local');
});

it('stores a new endpoint secret sealed, never as it is; deliveries signed with it verify', async () => {
  let secret = '';
  const receiver = await receiverFor(() => secret);
  const created = await t.call('webhooks.createEndpoint', { url: receiver.url, eventTypes: ['key.created'] });
  expect(created.status).toBe(200);
  secret = created.body.data.secret;
  expect(secret).toMatch(/^whsec_/);
  expectSealed(await storedSecret(created.body.data.endpointId), secret);

  await eventDelivered();
  await eventDelivered();
  expect(receiver.refused).toEqual([]);
  expect(receiver.accepted.map((r) => r.payload.type)).toEqual(['key.created', 'key.created']);
  expectSealed(await storedSecret(created.body.data.endpointId), secret);
});

it('an endpoint stored unsealed before the vault keeps working, and the next periodic job seals it', async () => {
  const secret = newWebhookSecret();
  const receiver = await receiverFor(() => secret);
  const endpointId = newId('webhookEndpoint', t.clock.now());
  await runSql(
    t.databaseUrl,
    'INSERT INTO webhook_endpoints (id, workspace_id, url, description, secret, event_types, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)',
    [endpointId, t.workspaceId, receiver.url, 'from before the vault', secret, '["key.created"]', t.clock.now()],
  );
  expect(await storedSecret(endpointId)).toBe(secret);
  await eventDelivered();
  expect(receiver.accepted).toHaveLength(1);

  await t.server.runJobs();
  expectSealed(await storedSecret(endpointId), secret);
  await eventDelivered();
  expect(receiver.refused).toEqual([]);
  expect(receiver.accepted).toHaveLength(2);
  // Sealed once: a second run finds nothing left to seal and changes nothing.
  const sealed = await storedSecret(endpointId);
  await t.server.runJobs();
  expect(await storedSecret(endpointId)).toBe(sealed);
});

it('a sealed secret copied onto another endpoint does not open there: that delivery fails, unsigned', async () => {
  let secret = '';
  const receiver = await receiverFor(() => secret);
  const created = await t.call('webhooks.createEndpoint', { url: receiver.url, eventTypes: ['key.created'] });
  secret = created.body.data.secret;
  const copy = newId('webhookEndpoint', t.clock.now());
  await runSql(
    t.databaseUrl,
    'INSERT INTO webhook_endpoints (id, workspace_id, url, description, secret, event_types, enabled, created_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)',
    [copy, t.workspaceId, receiver.url, 'copied', await storedSecret(created.body.data.endpointId), '["key.created"]', t.clock.now()],
  );
  await eventDelivered();
  // The original endpoint's delivery arrives; the copy's is never sent, and its log says why.
  expect(receiver.accepted).toHaveLength(1);
  const [attempt] = (await t.call('webhooks.listDeliveries', { endpointId: copy })).body.data;
  expect(attempt).toMatchObject({ status: 'pending', attempts: 1, lastError: 'the vault could not open the endpoint secret' });
});

it('without a vault: the secret is stored as it is, as before, and the start-up says so', async () => {
  const lines: string[] = [];
  const plain = await startTestServer({ env: { KEYWARD_LOG_LEVEL: 'warn' }, logStream: { write: (line) => void lines.push(line) } });
  try {
    expect(plain.server.vault).toBeNull();
    expect(lines.map((line) => JSON.parse(line).msg)).toContainEqual(
      expect.stringMatching(/^no vault configured: webhook endpoint secrets are stored/),
    );
    const created = await plain.call('webhooks.createEndpoint', { url: 'https://receiver.example/hook' });
    const [row] = await querySql(plain.databaseUrl, 'SELECT secret FROM webhook_endpoints WHERE id = ?', [created.body.data.endpointId]);
    expect(row!.secret).toBe(created.body.data.secret);
  } finally {
    await plain.close();
  }
});
