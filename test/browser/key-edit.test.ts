import { Unkey } from '@unkey/api';
import { afterAll, describe, expect, it } from 'vitest';
import { masterKey } from '../vault-fixtures.js';
import { accessibilityViolations, backendAvailable, startDashboard } from './harness.js';
import { callAsOperator, operatorPage } from './operator.js';

/**
 * A key's page in chromium (issue 15, part 2): its meta, expiry, identity, rate limits and refill edited in the UI, each
 * save sending keys.updateKey with exactly the fields that changed, checked with keys.getKey through the server and by the
 * real `@unkey/api` client verifying the key; bad meta refused in the page, the server's refusals in its own words. And
 * "Reveal key" on a recoverable key (the server has a vault: KEYWARD_MASTER_KEYS): confirmed first, the exact key shown
 * once, a `key.decrypt` audit record naming the operator, the plaintext in no URL, request or web storage.
 */

const run = await startDashboard({ env: { KEYWARD_MASTER_KEYS: masterKey(1) } });
const hasBackend = await backendAvailable(run.t);
afterAll(async () => {
  await run.close();
});

type Limit = { name: string; limit: number; duration: number; autoApply: boolean };
const limitsOf = (limits: Limit[] = []) =>
  limits.map(({ name, limit, duration, autoApply }) => ({ name, limit, duration, autoApply })).sort((a, b) => a.name.localeCompare(b.name));

/** An API whose keys may be recoverable: the setting on, as apiSettings.updateSettings sets it. */
async function recoverableApi(name: string): Promise<string> {
  const apiId = (await run.t.call('apis.createApi', { name })).body.data.apiId as string;
  const set = await run.t.call('apiSettings.updateSettings', { apiId, storeEncryptedKeys: true });
  expect(set.status).toBe(200);
  return apiId;
}

describe('editing and revealing a key in the dashboard', { timeout: 300_000 }, () => {
  it.skipIf(!hasBackend)(
    'meta, expiry, identity, rate limits and refill, each checked with getKey and the Unkey client; errors; axe; 375 px',
    async () => {
      const unkey = new Unkey({ rootKey: run.t.rootKey, serverURL: run.origin, retryConfig: { strategy: 'none' } });
      const verify = async (key: string) => (await unkey.keys.verifyKey({ key })).data;
      const apiId = (await run.t.call('apis.createApi', { name: 'edited keys' })).body.data.apiId as string;
      const created = await run.t.call('keys.createKey', { apiId, name: 'edited', credits: { remaining: 100 }, meta: { plan: 'pro' } });
      expect(created.status).toBe(200);
      const { keyId, key } = created.body.data as { keyId: string; key: string };
      const stored = async () => (await run.t.call('keys.getKey', { keyId })).body.data;

      const recorded = await operatorPage(run, 'admin');
      const { page } = recorded;
      const updates: Record<string, unknown>[] = [];
      page.on('request', (request) => {
        if (new URL(request.url()).pathname === '/v2/keys.updateKey') updates.push(JSON.parse(request.postData() ?? '{}'));
      });
      const save = async () => {
        const before = updates.length;
        await page.getByRole('button', { name: 'Save settings' }).click();
        await page.getByRole('status').getByText('Settings saved.').waitFor();
        expect(updates.length).toBe(before + 1);
        return updates.at(-1);
      };
      try {
        await page.goto(`${run.origin}/dashboard/apis/${apiId}/keys/${keyId}`);
        await page.getByRole('heading', { name: 'Key edited' }).waitFor();
        await page.getByRole('heading', { name: 'Edit settings' }).waitFor();
        // Not recoverable (the API does not store encrypted keys): nothing to reveal.
        expect(await page.getByRole('button', { name: 'Reveal key' }).count()).toBe(0);
        expect(await page.getByLabel('Meta (JSON object)').inputValue()).toBe(JSON.stringify({ plan: 'pro' }, null, 2));

        // Nothing changed: nothing sent.
        await page.getByRole('button', { name: 'Save settings' }).click();
        await page.getByRole('status').getByText('Nothing changed.').waitFor();
        expect(updates).toEqual([]);

        // Meta that is not a JSON object: the page's own message, nothing sent.
        await page.getByLabel('Meta (JSON object)').fill('{"plan": ');
        await page.getByRole('button', { name: 'Save settings' }).click();
        await page.getByRole('alert').getByText('Meta is not valid JSON.').waitFor();
        await page.getByLabel('Meta (JSON object)').fill('["pro"]');
        await page.getByRole('button', { name: 'Save settings' }).click();
        await page.getByRole('alert').getByText('Meta must be a JSON object, such as {"plan": "pro"}.').waitFor();
        expect(updates).toEqual([]);

        // Meta alone: the body holds the key id and the meta, nothing else.
        await page.getByLabel('Meta (JSON object)').fill('{"plan": "team", "seats": 5}');
        expect(await save()).toEqual({ keyId, meta: { plan: 'team', seats: 5 } });
        expect((await stored()).meta).toEqual({ plan: 'team', seats: 5 });
        expect(await verify(key)).toMatchObject({ valid: true, meta: { plan: 'team', seats: 5 } });

        // The identity: set (created on the way), changed, cleared.
        await page.getByLabel('Identity external id').fill('customer_a');
        expect(await save()).toEqual({ keyId, externalId: 'customer_a' });
        expect((await stored()).identity).toMatchObject({ externalId: 'customer_a' });
        await page.getByLabel('Identity external id').fill('customer_b');
        expect(await save()).toEqual({ keyId, externalId: 'customer_b' });
        expect((await stored()).identity).toMatchObject({ externalId: 'customer_b' });
        expect((await verify(key)).identity).toMatchObject({ externalId: 'customer_b' });
        await page.getByLabel('Identity external id').fill('');
        expect(await save()).toEqual({ keyId, externalId: null });
        expect((await stored()).identity).toBeUndefined();

        // Expiry: a date and time in the browser's zone, then none.
        await page.getByLabel('Expires').fill('2099-06-01T12:30');
        const at = await page.evaluate(() => new Date('2099-06-01T12:30').getTime());
        expect(await save()).toEqual({ keyId, expires: at });
        expect((await stored()).expires).toBe(at);
        await page.getByLabel('Expires').fill('');
        expect(await save()).toEqual({ keyId, expires: null });
        expect((await stored()).expires).toBeUndefined();

        // Refill: monthly on the 15th, then daily, then none; the balance stays.
        const balance = (await stored()).credits?.remaining;
        expect(balance).toBeGreaterThan(0);
        await page.getByLabel('Refill every').selectOption('monthly');
        await page.getByLabel('Refill amount').fill('500');
        await page.getByLabel('Refill day').fill('15');
        expect(await save()).toEqual({ keyId, credits: { refill: { interval: 'monthly', amount: 500, refillDay: 15 } } });
        expect((await stored()).credits).toEqual({ remaining: balance, refill: { interval: 'monthly', amount: 500, refillDay: 15 } });
        await page.getByLabel('Refill every').selectOption('daily');
        expect(await page.getByLabel('Refill day').count()).toBe(0);
        expect(await save()).toEqual({ keyId, credits: { refill: { interval: 'daily', amount: 500 } } });
        expect((await stored()).credits?.refill).toMatchObject({ interval: 'daily', amount: 500 });
        // Refill amounts the page cannot send: its message, nothing sent.
        await page.getByLabel('Refill amount').fill('0');
        await page.getByRole('button', { name: 'Save settings' }).click();
        await page.getByRole('alert').getByText('Refill amount must be a whole number of at least 1.').waitFor();
        const sentSoFar = updates.length;
        await page.getByLabel('Refill every').selectOption('none');
        expect(await save()).toEqual({ keyId, credits: { refill: null } });
        expect(updates.length).toBe(sentSoFar + 1);
        expect((await stored()).credits).toEqual({ remaining: balance });

        // A rate limit the server refuses (0 requests): its own detail, and nothing changes.
        await page.getByRole('button', { name: 'Add a rate limit' }).click();
        const first = page.getByRole('group', { name: 'Rate limit 1' });
        await first.getByLabel('Limit name').fill('burst');
        await first.getByLabel('Requests').fill('0');
        await first.getByLabel('Per seconds').fill('60');
        await first.getByLabel('Apply on every verification').check();
        await page.getByRole('button', { name: 'Save settings' }).click();
        const refused = await run.t.call('keys.updateKey', {
          keyId,
          ratelimits: [{ name: 'burst', limit: 0, duration: 60_000, autoApply: true }],
        });
        expect(refused.status).toBe(400);
        await page.getByRole('alert').getByText(refused.body.error.detail, { exact: true }).waitFor();
        expect((await stored()).ratelimits ?? []).toEqual([]);

        // Two requests a minute, applied on every verification: the third verification is limited.
        await first.getByLabel('Requests').fill('2');
        expect(await save()).toEqual({ keyId, ratelimits: [{ name: 'burst', limit: 2, duration: 60_000, autoApply: true }] });
        expect(limitsOf((await stored()).ratelimits)).toEqual([{ name: 'burst', limit: 2, duration: 60_000, autoApply: true }]);
        const limits = page.getByRole('region', { name: 'Rate limits' });
        await limits.getByText('burst').waitFor();
        expect((await verify(key)).code).toBe('VALID');
        expect((await verify(key)).code).toBe('VALID');
        expect(await verify(key)).toMatchObject({ valid: false, code: 'RATE_LIMITED' });

        // A second limit, the first edited: both sent whole (limits are replaced by name).
        await page.getByRole('button', { name: 'Add a rate limit' }).click();
        const second = page.getByRole('group', { name: 'Rate limit 2' });
        await second.getByLabel('Limit name').fill('tokens');
        await second.getByLabel('Requests').fill('1000');
        await second.getByLabel('Per seconds').fill('3600');
        await first.getByLabel('Requests').fill('50');
        await save();
        expect(limitsOf((await stored()).ratelimits)).toEqual([
          { name: 'burst', limit: 50, duration: 60_000, autoApply: true },
          { name: 'tokens', limit: 1000, duration: 3_600_000, autoApply: false },
        ]);
        expect((await verify(key)).code).toBe('VALID');
        // Removed in the page, removed on the server.
        await page.getByRole('button', { name: 'Remove rate limit 2' }).click();
        expect(await save()).toEqual({ keyId, ratelimits: [{ name: 'burst', limit: 50, duration: 60_000, autoApply: true }] });
        expect(limitsOf((await stored()).ratelimits)).toEqual([{ name: 'burst', limit: 50, duration: 60_000, autoApply: true }]);

        // Light and dark, and 375 px wide with a limit row open: axe finds nothing, nothing scrolls sideways.
        expect(await accessibilityViolations(page), 'key page with the edit form, light').toEqual([]);
        await page.emulateMedia({ colorScheme: 'dark' });
        expect(await accessibilityViolations(page), 'key page with the edit form, dark').toEqual([]);
        await page.setViewportSize({ width: 375, height: 800 });
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
        expect(await accessibilityViolations(page), 'key page with the edit form, 375 px, dark').toEqual([]);

        // An expiry in the past: the key stops verifying, EXPIRED.
        await page.getByLabel('Expires').fill('2020-01-01T00:00');
        const past = await page.evaluate(() => new Date('2020-01-01T00:00').getTime());
        expect(await save()).toEqual({ keyId, expires: past });
        expect(await verify(key)).toMatchObject({ valid: false, code: 'EXPIRED' });

        for (const url of recorded.requests) expect(url.startsWith(`${run.origin}/`), url).toBe(true);
        expect(await recorded.violations()).toEqual([]);
        expect(recorded.pageErrors).toEqual([]);
      } finally {
        await recorded.context.close();
      }
    },
  );

  it.skipIf(!hasBackend)(
    'reveals a recoverable key after a confirmation, audited with the operator as actor, kept nowhere; the server’s refusals',
    async () => {
      const apiId = await recoverableApi('recoverable keys');
      const created = await run.t.call('keys.createKey', { apiId, name: 'recoverable', recoverable: true });
      expect(created.status).toBe(200);
      const { keyId, key } = created.body.data as { keyId: string; key: string };
      const plain = (await run.t.call('keys.createKey', { apiId, name: 'hash only' })).body.data.keyId as string;

      const recorded = await operatorPage(run, 'member');
      const { page } = recorded;
      const bodies: string[] = [];
      page.on('request', (request) => bodies.push(request.postData() ?? ''));
      const decrypts = async () =>
        (await run.t.call('audit.listLogs', { events: ['key.decrypt'], order: 'desc', limit: 50 })).body.data as {
          actor: { type: string; name?: string };
          resources: { type: string; id: string }[];
        }[];
      try {
        await page.goto(`${run.origin}/dashboard/apis/${apiId}/keys/${keyId}`);
        await page.getByRole('heading', { name: 'Key recoverable' }).waitFor();
        // Confirm first; Cancel reads nothing.
        await page.getByRole('button', { name: 'Reveal key' }).click();
        const confirm = page.getByRole('dialog', { name: 'Reveal this key?' });
        await confirm.getByText('This read is recorded in the audit log').waitFor();
        await confirm.getByRole('button', { name: 'Cancel' }).click();
        await confirm.waitFor({ state: 'detached' });
        expect(await decrypts()).toEqual([]);

        await page.getByRole('button', { name: 'Reveal key' }).click();
        await confirm.getByRole('button', { name: 'Reveal key' }).click();
        const shown = page.getByRole('dialog', { name: 'The key' });
        await shown.waitFor();
        expect(await shown.getByLabel('Key', { exact: true }).inputValue()).toBe(key);
        expect(await accessibilityViolations(page), 'revealed key dialog').toEqual([]);
        const [record] = await decrypts();
        expect(record?.actor).toMatchObject({ type: 'operator', name: recorded.email });
        expect(record?.resources).toContainEqual(expect.objectContaining({ type: 'key', id: keyId }));
        await shown.getByRole('button', { name: 'Close' }).click();
        await shown.waitFor({ state: 'detached' });
        expect(await page.evaluate((text) => document.documentElement.outerHTML.includes(text), key)).toBe(false);
        // By keyboard: the dialog opens on the key itself, and Escape closes it; each read is one more record.
        await page.getByRole('button', { name: 'Reveal key' }).click();
        await confirm.getByRole('button', { name: 'Reveal key' }).click();
        await shown.waitFor();
        expect(await shown.getByLabel('Key', { exact: true }).evaluate((input) => input === document.activeElement)).toBe(true);
        await page.keyboard.press('Escape');
        await shown.waitFor({ state: 'detached' });
        expect(await page.evaluate((text) => document.documentElement.outerHTML.includes(text), key)).toBe(false);
        expect(await decrypts()).toHaveLength(2);

        // A key of the same API that was not created recoverable: the page says so, and nothing was read.
        await page.goto(`${run.origin}/dashboard/apis/${apiId}/keys/${plain}`);
        await page.getByRole('heading', { name: 'Key hash only' }).waitFor();
        await page.getByRole('button', { name: 'Reveal key' }).click();
        await page.getByRole('dialog', { name: 'Reveal this key?' }).getByRole('button', { name: 'Reveal key' }).click();
        await page.getByRole('status').getByText('This key was not created recoverable').waitFor();
        expect(await decrypts()).toHaveLength(2);

        // The API stops storing encrypted keys while the page is open: the server's refusal, in its words, in the dialog.
        await page.goto(`${run.origin}/dashboard/apis/${apiId}/keys/${keyId}`);
        await page.getByRole('button', { name: 'Reveal key' }).click();
        expect((await run.t.call('apiSettings.updateSettings', { apiId, storeEncryptedKeys: false })).status).toBe(200);
        const refused = await run.t.call('keys.getKey', { keyId, decrypt: true });
        expect(refused.status).toBe(412);
        await confirm.getByRole('button', { name: 'Reveal key' }).click();
        await confirm.getByRole('alert').getByText(refused.body.error.detail, { exact: true }).waitFor();
        expect(await decrypts()).toHaveLength(2);
        await confirm.getByRole('button', { name: 'Cancel' }).click();
        expect((await run.t.call('apiSettings.updateSettings', { apiId, storeEncryptedKeys: true })).status).toBe(200);

        // The plaintext went nowhere it could stay or leak: no URL, no request body, no web storage.
        for (const url of recorded.requests) {
          expect(url.includes(key), url).toBe(false);
          expect(url.startsWith(`${run.origin}/`), url).toBe(true);
        }
        for (const body of bodies) expect(body.includes(key)).toBe(false);
        const storage = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }]));
        expect(storage.includes(key)).toBe(false);
        expect(await recorded.violations()).toEqual([]);
        expect(recorded.pageErrors).toEqual([]);
      } finally {
        await recorded.context.close();
      }
    },
  );

  it.skipIf(!hasBackend)(
    'a read-only operator sees the key without edit controls, Reveal or key creation, and the server refuses them',
    async () => {
      const apiId = await recoverableApi('read-only view');
      const created = await run.t.call('keys.createKey', { apiId, name: 'looked at', recoverable: true, meta: { tier: 'gold' } });
      const keyId = created.body.data.keyId as string;
      const recorded = await operatorPage(run, 'read_only', { colorScheme: 'dark' });
      const { page } = recorded;
      try {
        await page.goto(`${run.origin}/dashboard/apis/${apiId}/keys/${keyId}`);
        await page.getByRole('heading', { name: 'Key looked at' }).waitFor();
        await page.getByText('"tier": "gold"').waitFor();
        expect(await page.getByRole('heading', { name: 'Edit settings' }).count()).toBe(0);
        expect(await page.getByLabel('Meta (JSON object)').count()).toBe(0);
        expect(await page.getByRole('button', { name: /Save|Reveal|Add a rate limit/ }).count()).toBe(0);
        expect(await accessibilityViolations(page), 'key page, read-only, dark').toEqual([]);

        // Nor can it create a key: the Keys page offers no form, and the server refuses the call.
        await page.goto(`${run.origin}/dashboard/apis/${apiId}/keys`);
        await page.getByRole('link', { name: 'looked at' }).waitFor();
        expect(await page.getByRole('button', { name: 'Create key' }).count()).toBe(0);
        const before = (await run.t.call('apis.listKeys', { apiId })).body.data.length;
        // Without create_key the API looks missing, as to a root key without it (create-key.test.ts).
        const refused = await callAsOperator(recorded.page, 'keys.createKey', { apiId, name: 'not allowed' });
        expect(refused.status).toBe(404);
        expect(refused.body.error.type).toMatch(/api_not_found$/);
        expect((await run.t.call('apis.listKeys', { apiId })).body.data.length).toBe(before);

        const decrypt = await callAsOperator(recorded.page, 'keys.getKey', { keyId, decrypt: true });
        expect(decrypt.status).toBe(403);
        const update = await callAsOperator(recorded.page, 'keys.updateKey', { keyId, meta: {} });
        expect(update.status).toBe(403);
        expect((await run.t.call('keys.getKey', { keyId })).body.data.meta).toEqual({ tier: 'gold' });
        const read = await run.t.call('audit.listLogs', { events: ['key.decrypt'], resourceId: keyId, order: 'desc', limit: 50 });
        expect(read.body.data).toEqual([]);
      } finally {
        await recorded.context.close();
      }
    },
  );
});
