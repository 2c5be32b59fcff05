import { Unkey } from '@unkey/api';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../poll.js';
import { accessibilityViolations, backendAvailable, openPage, startDashboard } from './harness.js';
import { setUpFirstOperator } from './operator.js';

/**
 * The Keys pages in chromium (issue 15, part 2): an operator signs in as dashboard-flow.test.ts does, creates an API and
 * a key in the UI, reads the key from the shown-once dialog, and each change made in the UI is checked with the real
 * `@unkey/api` client verifying against the same server: VALID, DISABLED after disabling, the old key NOT_FOUND and the
 * new one VALID after a reroll without grace, NOT_FOUND after delete. The key must never reach a URL or web storage.
 */

const run = await startDashboard();
const hasBackend = await backendAvailable(run.t);
afterAll(async () => {
  await run.close();
});

describe('the Keys pages', { timeout: 240_000 }, () => {
  it.skipIf(!hasBackend)(
    'create, verify, disable, reroll and delete a key in the UI, checked by the Unkey client; Load more; errors',
    async () => {
      const unkey = new Unkey({ rootKey: run.t.rootKey, serverURL: run.origin, retryConfig: { strategy: 'none' } });
      const verify = async (key: string) => (await unkey.keys.verifyKey({ key })).data;

      const recorded = await openPage(run);
      const { page } = recorded;
      await recorded.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: run.origin });
      const operations: { operation: string; body: string }[] = [];
      page.on('request', (request) => {
        const path = new URL(request.url()).pathname;
        if (path.startsWith('/v2/')) operations.push({ operation: path.slice(4), body: request.postData() ?? '' });
      });
      /** Everything the page keeps in web storage, as one string to search. */
      const webStorage = () => page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }]));
      const issuedKeys: string[] = [];
      try {
        // Sign in: the first operator, MFA enrolled with a code computed from the shown secret, recovery codes acknowledged.
        await setUpFirstOperator(run, page, 'keys.operator@example.com');

        // An API, then its Keys page from the APIs list.
        await page.getByRole('heading', { name: 'APIs', exact: true }).waitFor();
        await page.getByLabel('Name').fill('keys in the browser');
        await page.getByRole('button', { name: 'Create API' }).click();
        await page.getByRole('link', { name: 'keys in the browser', exact: true }).click();
        await page.getByRole('heading', { name: 'Keys', exact: true }).waitFor();
        await page.getByText('No keys yet.').waitFor();
        expect(operations.some((call) => call.operation === 'apis.listKeys')).toBe(true);

        // Meta that is not a JSON object is refused in the page: nothing is sent.
        await page.getByLabel('Key name').fill('browser key');
        await page.getByLabel('Meta (JSON object)').fill('{"plan": ');
        await page.getByRole('button', { name: 'Create key' }).click();
        await page.getByRole('alert').getByText('Meta is not valid JSON.').waitFor();
        expect(operations.some((call) => call.operation === 'keys.createKey')).toBe(false);

        await page.getByLabel('Prefix').fill('web');
        await page.getByLabel('Identity external id').fill('customer_42');
        await page.getByLabel('Credits remaining').fill('100');
        await page.getByLabel('Refill amount').fill('100');
        await page.getByLabel('Refill day').fill('15');
        await page.getByLabel('Limit name').fill('requests');
        await page.getByLabel('Requests', { exact: true }).fill('50');
        await page.getByLabel('Per seconds').fill('60');
        await page.getByLabel('Meta (JSON object)').fill('{"plan": "pro"}');
        await page.getByRole('button', { name: 'Create key' }).click();

        const dialog = page.getByRole('dialog', { name: 'Your new key' });
        await dialog.waitFor();
        await dialog.getByText('it will not be shown again').waitFor();
        const key = await dialog.getByLabel('Key', { exact: true }).inputValue();
        expect(key.startsWith('web_')).toBe(true);
        issuedKeys.push(key);
        await dialog.getByRole('button', { name: 'Copy key' }).click();
        await dialog.getByText('Copied.').waitFor();
        expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(key);
        expect(await accessibilityViolations(page), 'created-key dialog').toEqual([]);
        await dialog.getByRole('button', { name: 'I have saved it, close' }).click();
        await dialog.waitFor({ state: 'detached' });
        // Closed, the key is nowhere in the page any more.
        expect(await page.evaluate((text) => document.documentElement.outerHTML.includes(text), key)).toBe(false);

        expect(await verify(key)).toMatchObject({ valid: true, code: 'VALID', name: 'browser key', meta: { plan: 'pro' }, credits: 99 });

        // The list: the key's row with its columns; the server's search (name or start, any case) and the enabled filter
        // narrow it (test/browser/analytics.test.ts searches past the first page).
        const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'browser key' }) });
        await row.waitFor();
        expect(await row.getByRole('cell').allTextContents()).toEqual([
          'browser key',
          expect.stringMatching(/^web_/),
          'customer_42',
          expect.stringMatching(/^(99|100)$/),
          'Yes',
          expect.any(String),
        ]);
        await page.getByLabel('Search keys').fill('BROWSER K');
        await row.waitFor();
        await page.getByLabel('Search keys').fill('nothing like it');
        await page.getByText('No key matches the search.').waitFor();
        await page.getByLabel('Search keys').fill('WEB_');
        await row.waitFor();
        await page.getByLabel('Search keys').fill('');
        await page.getByLabel('Show').selectOption('disabled');
        await page.getByText('No loaded key is disabled.').waitFor();
        await page.getByLabel('Show').selectOption('all');
        await row.waitFor();
        expect(await accessibilityViolations(page), 'keys page').toEqual([]);

        // The detail page: disable → DISABLED.
        await row.getByRole('link', { name: 'browser key' }).click();
        await page.getByRole('heading', { name: 'Key browser key' }).waitFor();
        await page.getByText('customer_42').waitFor();
        expect(await page.getByRole('list', { name: 'Permissions' }).count()).toBe(0);
        expect(await accessibilityViolations(page), 'key detail').toEqual([]);
        await page.getByRole('button', { name: 'Disable key' }).click();
        await page.getByText('Key disabled.').waitFor();
        await page.getByRole('button', { name: 'Enable key' }).waitFor();
        expect(await verify(key)).toMatchObject({ valid: false, code: 'DISABLED' });
        await page.getByRole('button', { name: 'Enable key' }).click();
        await page.getByRole('button', { name: 'Disable key' }).waitFor();

        // Credits set in the page are what the next verification spends from.
        await page.getByLabel('Credits remaining').fill('7');
        await page.getByRole('button', { name: 'Save credits' }).click();
        await page.getByText('Credits saved.').waitFor();
        expect(await verify(key)).toMatchObject({ valid: true, credits: 6 });

        // At 375 px in the dark theme the detail page fits the width and still passes axe.
        await page.setViewportSize({ width: 375, height: 800 });
        await page.emulateMedia({ colorScheme: 'dark' });
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
        expect(await accessibilityViolations(page), 'key detail, 375 px, dark').toEqual([]);

        // Reroll without grace: the new key (shown once) verifies at once; the old one stops at the next whole minute, as the
        // server rounds every grace period up to the minute (src/contract/keys.ts, RerollKeyBody; test/sdk-e2e.test.ts).
        expect(await page.getByLabel('Grace period').inputValue()).toBe('0');
        await page.getByRole('button', { name: 'Reroll key' }).click();
        const rerolled = page.getByRole('dialog', { name: 'Your rerolled key' });
        await rerolled.waitFor();
        const newKey = await rerolled.getByLabel('Key', { exact: true }).inputValue();
        expect(newKey).not.toBe(key);
        issuedKeys.push(newKey);
        // By keyboard: the dialog opens with focus on the key itself (selected, ready to copy) and Escape closes it.
        expect(await rerolled.getByLabel('Key', { exact: true }).evaluate((input) => input === document.activeElement)).toBe(true);
        await page.keyboard.press('Escape');
        await rerolled.waitFor({ state: 'detached' });
        expect(await verify(newKey)).toMatchObject({ valid: true, code: 'VALID' });
        run.t.clock.advance(60_001);
        expect(await verify(key)).toMatchObject({ valid: false, code: 'EXPIRED' });
        expect(await verify(newKey)).toMatchObject({ valid: true, code: 'VALID' });

        // Delete the new key, after a confirmation → NOT_FOUND, and back on the list, where only the old (expired) key is left.
        await page.getByRole('heading', { name: 'Key browser key' }).waitFor();
        await page.getByLabel('Name', { exact: true }).fill('renamed key');
        await page.getByRole('button', { name: 'Save name' }).click();
        await page.getByRole('heading', { name: 'Key renamed key' }).waitFor();
        expect(await verify(newKey)).toMatchObject({ valid: true, name: 'renamed key' });
        await page.getByRole('button', { name: 'Delete key' }).click();
        await page.getByRole('dialog').getByRole('button', { name: 'Delete key' }).click();
        await page.getByRole('heading', { name: 'Keys', exact: true }).waitFor();
        await until(async () => (await verify(newKey)).code === 'NOT_FOUND', 'the deleted key stops verifying');
        await row.waitFor();
        expect(await page.getByRole('link', { name: 'browser key' }).count()).toBe(1);
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
        expect(await accessibilityViolations(page), 'keys page, 375 px, dark').toEqual([]);

        // Pagination: an API with 101 keys (made through the API) lists 100 and shows the 101st after Load more.
        const many = (await run.t.call('apis.createApi', { name: 'many keys' })).body.data.apiId as string;
        for (let made = 0; made < 101; made += 20) {
          const batch = Array.from({ length: Math.min(20, 101 - made) }, (_, i) => `bulk ${String(made + i).padStart(3, '0')}`);
          await Promise.all(batch.map((name) => run.t.call('keys.createKey', { apiId: many, name })));
        }
        await page.goto(`${run.origin}/dashboard/apis/${many}/keys`);
        await page.getByRole('heading', { name: 'Keys', exact: true }).waitFor();
        const table = page.getByRole('region', { name: 'Keys table' });
        await until(async () => (await table.getByRole('row').count()) === 101, 'the first 100 keys and the header row');
        await page.getByRole('button', { name: 'Load more' }).click();
        await until(async () => (await table.getByRole('row').count()) === 102, 'the 101st key');
        expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);

        // A key that does not exist: its page shows the API's own detail.
        const missing = await run.t.call('keys.getKey', { keyId: 'key_doesnotexist' });
        expect(missing.status).toBe(404);
        await page.goto(`${run.origin}/dashboard/apis/${many}/keys/key_doesnotexist`);
        await page.getByRole('alert').getByText(missing.body.error.detail, { exact: true }).waitFor();

        // The keys went nowhere they could stay: no URL, no web storage, and no request carried one out.
        const storage = await webStorage();
        for (const issued of issuedKeys) {
          expect(storage.includes(issued)).toBe(false);
          for (const url of recorded.requests) expect(url.includes(issued), url).toBe(false);
          for (const call of operations) expect(call.body.includes(issued), call.operation).toBe(false);
        }
        for (const url of recorded.requests) expect(url.startsWith(`${run.origin}/`), url).toBe(true);
        expect(await recorded.violations()).toEqual([]);
        expect(recorded.pageErrors).toEqual([]);
      } finally {
        await recorded.context.close();
      }
    },
  );
});
