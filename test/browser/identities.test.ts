import { Unkey } from '@unkey/api';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../poll.js';
import { accessibilityViolations, backendAvailable, startDashboard } from './harness.js';
import { callAsOperator, operatorPage } from './operator.js';

/**
 * The Identities pages in chromium (issue 15, part 2): an admin creates an identity with meta and rate limits, finds it
 * with the server's search, edits and deletes it, each change checked with the real `@unkey/api` client against the
 * same server; the page refuses meta that is not a JSON object before sending, and shows the server's own refusals.
 * A read-only operator sees the same pages without any control that changes something, and the server refuses it anyway.
 */

const run = await startDashboard();
const hasBackend = await backendAvailable(run.t);
afterAll(async () => {
  await run.close();
});

type Limit = { name: string; limit: number; duration: number; autoApply: boolean };
const limitsOf = (limits: Limit[]) =>
  limits.map(({ name, limit, duration, autoApply }) => ({ name, limit, duration, autoApply })).sort((a, b) => a.name.localeCompare(b.name));

describe('the Identities pages', { timeout: 300_000 }, () => {
  it.skipIf(!hasBackend)(
    'create, search, edit and delete an identity in the UI, checked by the Unkey client; errors; 375 px dark',
    async () => {
      const unkey = new Unkey({ rootKey: run.t.rootKey, serverURL: run.origin, retryConfig: { strategy: 'none' } });
      const recorded = await operatorPage(run, 'admin');
      const { page } = recorded;
      const operations: { operation: string; body: string }[] = [];
      page.on('request', (request) => {
        const path = new URL(request.url()).pathname;
        if (path.startsWith('/v2/')) operations.push({ operation: path.slice(4), body: request.postData() ?? '' });
      });
      const sent = (operation: string) => operations.filter((call) => call.operation === operation);
      const focused = (label: string) => page.getByLabel(label, { exact: true }).evaluate((element) => element === document.activeElement);
      try {
        await page.goto(`${run.origin}/dashboard/apis`);
        await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Identities' }).click();
        await page.getByRole('heading', { name: 'Identities', exact: true }).waitFor();
        expect(new URL(page.url()).pathname).toBe('/dashboard/identities');
        await page.getByText('No identities yet.').waitFor();
        // By keyboard: the heading takes focus on arrival, and the next Tab is the create form's first field.
        await page.keyboard.press('Tab');
        expect(await focused('External id')).toBe(true);

        // Meta that is not a JSON object, a half-filled limit: refused in the page, nothing sent.
        await page.keyboard.type('customer_7');
        await page.getByLabel('Meta (JSON object)').fill('[1, 2]');
        await page.getByRole('button', { name: 'Create identity' }).click();
        await page.getByRole('alert').getByText('Meta must be a JSON object, such as {"plan": "pro"}.').waitFor();
        await page.getByLabel('Meta (JSON object)').fill('{"plan": "pro"');
        await page.getByRole('button', { name: 'Create identity' }).click();
        await page.getByRole('alert').getByText('Meta is not valid JSON.').waitFor();
        await page.getByLabel('Meta (JSON object)').fill('{"plan": "pro"}');
        await page.getByRole('button', { name: 'Add a rate limit' }).click();
        const first = page.getByRole('group', { name: 'Rate limit 1' });
        expect(await first.getByLabel('Limit name').evaluate((element) => element === document.activeElement)).toBe(true);
        await first.getByLabel('Limit name').fill('requests');
        await page.getByRole('button', { name: 'Create identity' }).click();
        await page.getByRole('alert').getByText('Rate limit 1 needs a name, a number of requests and a duration.').waitFor();
        expect(sent('identities.createIdentity')).toEqual([]);

        await first.getByLabel('Requests').fill('10');
        await first.getByLabel('Per seconds').fill('60');
        await first.getByLabel('Apply on every verification').check();
        await page.getByRole('button', { name: 'Add a rate limit' }).click();
        const second = page.getByRole('group', { name: 'Rate limit 2' });
        await second.getByLabel('Limit name').fill('tokens');
        await second.getByLabel('Requests').fill('5000');
        await second.getByLabel('Per seconds').fill('3600');
        await page.getByRole('button', { name: 'Create identity' }).click();
        await page.getByRole('status').getByText('Created identity customer_7.').waitFor();
        const { data: created } = await unkey.identities.getIdentity({ identity: 'customer_7' });
        expect(created).toMatchObject({ externalId: 'customer_7', meta: { plan: 'pro' } });
        expect(limitsOf(created.ratelimits ?? [])).toEqual([
          { name: 'requests', limit: 10, duration: 60_000, autoApply: true },
          { name: 'tokens', limit: 5000, duration: 3_600_000, autoApply: false },
        ]);
        // The form is empty again.
        expect(await page.getByLabel('External id').inputValue()).toBe('');
        expect(await page.getByRole('group', { name: 'Rate limit 1' }).count()).toBe(0);

        // The same external id again: the server's refusal, in its own words.
        await page.getByLabel('External id').fill('customer_7');
        await page.getByRole('button', { name: 'Create identity' }).click();
        const conflict = await run.t.call('identities.createIdentity', { externalId: 'customer_7' });
        expect(conflict.status).toBe(409);
        await page.getByRole('alert').getByText(conflict.body.error.detail, { exact: true }).waitFor();

        // The list, and the server's search (over every identity, not only those loaded).
        const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: 'customer_7' }) });
        await row.waitFor();
        expect(await row.getByRole('cell').allTextContents()).toEqual(['customer_7', created.id, '2', 'plan']);
        expect((await run.t.call('identities.createIdentity', { externalId: 'partner_acme' })).status).toBe(200);
        await page.getByLabel('Search identities').fill(' PARTNER ');
        await page.getByLabel('Search identities').press('Enter');
        await page.getByRole('link', { name: 'partner_acme' }).waitFor();
        await row.waitFor({ state: 'detached' });
        expect(sent('identities.listIdentities').some((call) => JSON.parse(call.body).search === 'PARTNER')).toBe(true);
        await page.getByLabel('Search identities').fill('nobody like that');
        await page.getByRole('button', { name: 'Search' }).click();
        await page.getByText('No identity matches “nobody like that”.').waitFor();
        await page.getByLabel('Search identities').fill('');
        await page.getByRole('button', { name: 'Search' }).click();
        await row.waitFor();
        await page.getByRole('link', { name: 'partner_acme' }).waitFor();
        expect(await accessibilityViolations(page), 'identities page').toEqual([]);

        // The detail page.
        await row.getByRole('link', { name: 'customer_7' }).click();
        await page.getByRole('heading', { name: 'Identity customer_7' }).waitFor();
        expect(new URL(page.url()).pathname).toBe(`/dashboard/identities/${created.id}`);
        const limits = page.getByRole('list', { name: 'Rate limits' });
        expect(await limits.getByRole('listitem').allTextContents()).toEqual([
          'requests: 10 per 60 s (applied on every verification)',
          'tokens: 5,000 per 3,600 s',
        ]);
        expect(await accessibilityViolations(page), 'identity page').toEqual([]);

        // Edit: bad meta is refused in the page; then new meta, a changed limit and one removed.
        await page.getByLabel('Meta (JSON object)').fill('{"plan": ');
        await page.getByRole('button', { name: 'Save changes' }).click();
        await page.getByRole('alert').getByText('Meta is not valid JSON.').waitFor();
        expect(sent('identities.updateIdentity')).toEqual([]);
        await page.getByLabel('Meta (JSON object)').fill('{"plan": "team", "seats": 5}');
        // A limit the server refuses (0 requests): its detail and the field it names are shown, and nothing changes.
        await page.getByRole('group', { name: 'Rate limit 1' }).getByLabel('Requests').fill('0');
        await page.getByRole('button', { name: 'Save changes' }).click();
        const refused = await run.t.call('identities.updateIdentity', {
          identity: created.id,
          meta: { plan: 'team', seats: 5 },
          ratelimits: [
            { name: 'requests', limit: 0, duration: 60_000, autoApply: true },
            { name: 'tokens', limit: 5000, duration: 3_600_000, autoApply: false },
          ],
        });
        expect(refused.status).toBe(400);
        await page.getByRole('alert').getByText(refused.body.error.detail, { exact: true }).waitFor();
        expect((await unkey.identities.getIdentity({ identity: created.id })).data.meta).toEqual({ plan: 'pro' });

        await page.getByRole('group', { name: 'Rate limit 1' }).getByLabel('Requests').fill('20');
        await page.getByRole('button', { name: 'Remove rate limit 2' }).click();
        expect(await page.getByRole('group', { name: 'Rate limit 2' }).count()).toBe(0);
        await page.getByRole('button', { name: 'Save changes' }).click();
        await page.getByRole('status').getByText('Changes saved.').waitFor();
        const { data: edited } = await unkey.identities.getIdentity({ identity: created.id });
        expect(edited.meta).toEqual({ plan: 'team', seats: 5 });
        expect(limitsOf(edited.ratelimits ?? [])).toEqual([{ name: 'requests', limit: 20, duration: 60_000, autoApply: true }]);
        // The limit kept its id: the server replaces limits by name.
        expect(edited.ratelimits?.[0]?.id).toBe(created.ratelimits?.find((limit) => limit.name === 'requests')?.id);
        expect(await limits.getByRole('listitem').allTextContents()).toEqual(['requests: 20 per 60 s (applied on every verification)']);

        // Delete: Escape cancels the confirmation (focus starts on Cancel), then the confirmed delete goes back to the list.
        await page.getByRole('button', { name: 'Delete identity' }).click();
        const dialog = page.getByRole('dialog', { name: 'Delete identity customer_7?' });
        await dialog.waitFor();
        expect(await dialog.getByRole('button', { name: 'Cancel' }).evaluate((element) => element === document.activeElement)).toBe(true);
        await page.keyboard.press('Escape');
        await dialog.waitFor({ state: 'detached' });
        expect((await run.t.call('identities.getIdentity', { identity: created.id })).status).toBe(200);
        await page.getByRole('button', { name: 'Delete identity' }).click();
        await dialog.getByRole('button', { name: 'Delete identity' }).click();
        await page.getByRole('heading', { name: 'Identities', exact: true }).waitFor();
        expect((await run.t.call('identities.getIdentity', { identity: created.id })).status).toBe(404);
        await page.getByRole('link', { name: 'partner_acme' }).waitFor();
        expect(await page.getByRole('link', { name: 'customer_7' }).count()).toBe(0);

        // An identity that does not exist: the page shows the server's detail.
        const missing = await run.t.call('identities.getIdentity', { identity: 'id_doesnotexist' });
        expect(missing.status).toBe(404);
        await page.goto(`${run.origin}/dashboard/identities/id_doesnotexist`);
        await page.getByRole('alert').getByText(missing.body.error.detail, { exact: true }).waitFor();

        // 375 px wide, dark: nothing scrolls sideways, no accessibility violation, on the list and on an identity.
        await page.setViewportSize({ width: 375, height: 740 });
        await page.emulateMedia({ colorScheme: 'dark' });
        await page.goto(`${run.origin}/dashboard/identities`);
        await page.getByRole('link', { name: 'partner_acme' }).waitFor();
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
        expect(await accessibilityViolations(page), 'identities page, 375 px, dark').toEqual([]);
        await page.getByRole('link', { name: 'partner_acme' }).click();
        await page.getByRole('heading', { name: 'Identity partner_acme' }).waitFor();
        await page.getByRole('button', { name: 'Add a rate limit' }).click();
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
        expect(await accessibilityViolations(page), 'identity page, 375 px, dark').toEqual([]);

        for (const url of recorded.requests) expect(url.startsWith(`${run.origin}/`), url).toBe(true);
        expect(await recorded.violations()).toEqual([]);
        expect(recorded.pageErrors).toEqual([]);
      } finally {
        await recorded.context.close();
      }
    },
  );

  it.skipIf(!hasBackend)('a read-only operator sees identities without controls that change them, and the server refuses it', async () => {
    const identityId = (
      await run.t.call('identities.createIdentity', {
        externalId: 'seen_read_only',
        meta: { tier: 'gold' },
        ratelimits: [{ name: 'calls', limit: 3, duration: 1000 }],
      })
    ).body.data.identityId as string;
    const recorded = await operatorPage(run, 'read_only');
    const { page } = recorded;
    try {
      await page.goto(`${run.origin}/dashboard/identities`);
      await page.getByRole('link', { name: 'seen_read_only' }).waitFor();
      expect(await page.getByRole('button', { name: 'Create identity' }).count()).toBe(0);
      expect(await page.getByLabel('External id').count()).toBe(0);
      await page.getByRole('link', { name: 'seen_read_only' }).click();
      await page.getByRole('heading', { name: 'Identity seen_read_only' }).waitFor();
      expect(await page.getByRole('list', { name: 'Rate limits' }).getByRole('listitem').allTextContents()).toEqual(['calls: 3 per 1 s']);
      await page.getByText('"tier": "gold"').waitFor();
      expect(
        await page
          .getByRole('button')
          .filter({ hasText: /Save|Delete|Add/ })
          .count(),
      ).toBe(0);
      expect(await accessibilityViolations(page), 'identity page, read-only').toEqual([]);

      const refused = await callAsOperator(recorded.page, 'identities.deleteIdentity', { identity: identityId });
      expect(refused.status).toBe(403);
      const update = await callAsOperator(recorded.page, 'identities.updateIdentity', { identity: identityId, meta: {} });
      expect(update.status).toBe(403);
      expect((await run.t.call('identities.getIdentity', { identity: identityId })).body.data.meta).toEqual({ tier: 'gold' });
    } finally {
      await recorded.context.close();
    }
  });

  it.skipIf(!hasBackend)('lists 100 identities a page, with Load more for the rest, within a search', async () => {
    for (let made = 0; made < 101; made += 20) {
      const batch = Array.from({ length: Math.min(20, 101 - made) }, (_, i) => `bulk_${String(made + i).padStart(3, '0')}`);
      await Promise.all(batch.map((externalId) => run.t.call('identities.createIdentity', { externalId })));
    }
    const recorded = await operatorPage(run, 'member');
    const { page } = recorded;
    try {
      await page.goto(`${run.origin}/dashboard/identities`);
      await page.getByRole('heading', { name: 'Identities', exact: true }).waitFor();
      await page.getByLabel('Search identities').fill('bulk_');
      await page.getByRole('button', { name: 'Search' }).click();
      const table = page.getByRole('region', { name: 'Identities table' });
      await table
        .getByRole('link', { name: /^bulk_/ })
        .first()
        .waitFor();
      await until(async () => (await table.getByRole('row').count()) === 101, 'the first 100 identities and the header row');
      await page.getByRole('button', { name: 'Load more' }).click();
      await until(async () => (await table.getByRole('row').count()) === 102, 'the 101st identity');
      expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
      expect(await table.getByRole('link', { name: /^bulk_/ }).count()).toBe(101);
    } finally {
      await recorded.context.close();
    }
  });
});
