import { Unkey } from '@unkey/api';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../poll.js';
import { accessibilityViolations, backendAvailable, type DashboardRun, openPage, startDashboard } from './harness.js';
import { setUpFirstOperator } from './operator.js';
import { chartTotals } from './charts.js';

/**
 * The Analytics page, a key's Usage section and the Keys page's server-side search in chromium (issue 15, part 2).
 * Verifications with known outcomes are made through the real `@unkey/api` client against the same server; once the
 * analytics recorder has written them (flushed every 20 ms here) the page's chart table, text summary and top lists
 * must show exactly those counts, and each filter must change them as the server's own answers say. The browser's
 * clock is set to the server's test clock, so "the last 24 hours" are the same hours on both sides.
 */

const run = await startDashboard({ env: { KEYWARD_ANALYTICS_FLUSH_MS: '20' } });
const hasBackend = await backendAvailable(run.t);
let off: DashboardRun | undefined;
afterAll(async () => {
  await run.close();
  await off?.close();
});

/** Polls `read` until it answers `expected` (the page reloads its figures after each change), then asserts it. */
async function expectEventually<T>(read: () => Promise<T>, expected: T, what: string): Promise<void> {
  let last: T | undefined;
  await until(
    async () => {
      last = await read().catch(() => undefined);
      return JSON.stringify(last) === JSON.stringify(expected);
    },
    `${what}: ${JSON.stringify(expected)} (last seen ${JSON.stringify(last)})`,
    { deadlineMs: 60_000, everyMs: 200 },
  );
  expect(last).toEqual(expected);
}

/** A top list's rows by their first cell (key id or external id), each as `{ Total: '3', Valid: '3', ... }`. */
async function topRows(page: Page, table: string): Promise<Record<string, Record<string, string>>> {
  const region = page.getByRole('region', { name: table });
  const headers = await region.locator('thead th').allTextContents();
  const rows: Record<string, Record<string, string>> = {};
  for (const row of await region.locator('tbody tr').all()) {
    const cells = await row.locator('th, td').allTextContents();
    rows[cells[0] ?? ''] = Object.fromEntries(headers.slice(1).map((header, i) => [header, cells[i + 1] ?? '']));
  }
  return rows;
}

describe('the Analytics page, a key’s usage and the keys search', { timeout: 300_000 }, () => {
  it.skipIf(!hasBackend)('shows exactly the verifications made, by outcome; filters, ranges, links; usage; search', async () => {
    const { t } = run;
    const unkey = new Unkey({ rootKey: t.rootKey, serverURL: run.origin, retryConfig: { strategy: 'none' } });
    const create = async (body: Record<string, unknown>) => {
      const res = await t.call('keys.createKey', body);
      if (res.status !== 200) throw new Error(JSON.stringify(res.body));
      return res.body.data as { keyId: string; key: string };
    };
    const apiMain = (await t.call('apis.createApi', { name: 'main analytics api' })).body.data.apiId as string;
    const apiOther = (await t.call('apis.createApi', { name: 'other analytics api' })).body.data.apiId as string;
    const alpha = await create({ apiId: apiMain, name: 'alpha', externalId: 'cust_alpha' });
    const bravo = await create({ apiId: apiMain, name: 'bravo', credits: { remaining: 1 } });
    const charlie = await create({ apiId: apiOther, name: 'charlie', enabled: false });

    // alpha: 3 VALID tagged region:eu; bravo: 1 VALID then 2 USAGE_EXCEEDED; charlie: 2 DISABLED. 8 in all.
    const codes: string[] = [];
    const verify = async (key: string, tags?: string[]) =>
      codes.push((await unkey.keys.verifyKey({ key, ...(tags ? { tags } : {}) })).data.code);
    for (let i = 0; i < 3; i++) await verify(alpha.key, ['region:eu']);
    for (let i = 0; i < 3; i++) await verify(bravo.key);
    for (let i = 0; i < 2; i++) await verify(charlie.key);
    expect(codes).toEqual(['VALID', 'VALID', 'VALID', 'VALID', 'USAGE_EXCEEDED', 'USAGE_EXCEEDED', 'DISABLED', 'DISABLED']);
    const now = t.clock.now();
    await until(
      async () => {
        const answer = await t.call('analytics.getTopKeys', { start: now - 3_600_000, end: now });
        return answer.status === 200 && answer.body.data.keys.reduce((sum: number, key: { total: number }) => sum + key.total, 0) === 8;
      },
      'the analytics recorder writes the 8 verifications',
      { deadlineMs: 60_000, everyMs: 100 },
    );

    const recorded = await openPage(run);
    const { page } = recorded;
    // The browser's clock starts at the server's and runs on from there.
    await recorded.context.clock.install({ time: now });
    try {
      await setUpFirstOperator(run, page, 'analytics.operator@example.com');
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Analytics' }).click();
      await page.getByRole('heading', { name: 'Analytics', exact: true }).waitFor();

      // Last 24 hours, no filter: the chart's table, its text summary and the top lists.
      const day = 'Verifications, last 24 hours';
      const all = { Total: '8', Valid: '4', 'Usage exceeded': '2', Disabled: '2' };
      await expectEventually(() => chartTotals(page, day), all, 'the chart table, unfiltered');
      expect(await page.getByRole('figure', { name: day }).locator('.chart-summary').textContent()).toBe(
        '8 verifications: 4 valid, 2 usage exceeded, 2 disabled.',
      );
      expect(await page.getByRole('img', { name: day }).locator('canvas').count()).toBeGreaterThan(0);
      expect(await topRows(page, 'Top keys table')).toEqual({
        [alpha.keyId]: { Total: '3', Valid: '3', 'Usage exceeded': '0', Disabled: '0' },
        [bravo.keyId]: { Total: '3', Valid: '1', 'Usage exceeded': '2', Disabled: '0' },
        [charlie.keyId]: { Total: '2', Valid: '0', 'Usage exceeded': '0', Disabled: '2' },
      });
      expect(await topRows(page, 'Top identities table')).toEqual({ cust_alpha: { Total: '3', Valid: '3' } });
      expect(await accessibilityViolations(page), 'analytics page').toEqual([]);

      // Filters: one API, then one key, then one tag; the top lists follow the API filter.
      await page.getByLabel('API', { exact: true }).selectOption(apiMain);
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expectEventually(() => chartTotals(page, day), { Total: '6', Valid: '4', 'Usage exceeded': '2' }, 'filtered by API');
      await expectEventually(
        async () => Object.keys(await topRows(page, 'Top keys table')).sort(),
        [alpha.keyId, bravo.keyId].sort(),
        'top keys of the API',
      );
      await page.getByLabel('Key id').fill(bravo.keyId);
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expectEventually(() => chartTotals(page, day), { Total: '3', Valid: '1', 'Usage exceeded': '2' }, 'filtered by key');
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await expectEventually(() => chartTotals(page, day), all, 'filters cleared');
      await page.getByLabel('Tag').fill('region:eu');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await expectEventually(() => chartTotals(page, day), { Total: '3', Valid: '3' }, 'filtered by tag');
      await page.getByLabel('Tag').fill('region:us');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByText('No verifications in this range.').first().waitFor();
      await page.getByRole('button', { name: 'Clear filters' }).click();
      // An identity of the top list charts that identity alone, and its external id fills the identity filter.
      await page.getByRole('button', { name: 'Chart identity cust_alpha' }).click();
      await expectEventually(() => chartTotals(page, day), { Total: '3', Valid: '3' }, 'filtered by identity');
      expect(await page.getByLabel('Identity external id').inputValue()).toBe('cust_alpha');
      // A key id the server refuses: its own detail, shown as it wrote it.
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await page.getByLabel('Key id').fill('not a key id');
      await page.getByRole('button', { name: 'Apply filters' }).click();
      await page.getByRole('alert').first().waitFor();
      await page.getByRole('button', { name: 'Clear filters' }).click();

      // The last hour, charted by the minute, holds the same verifications.
      await page.getByLabel('Time range').selectOption({ label: 'Last hour' });
      await expectEventually(() => chartTotals(page, 'Verifications, last hour'), all, 'the last hour');
      expect(await page.getByRole('figure', { name: 'Verifications, last hour' }).locator('thead th').first().textContent()).toBe('From');
      await page.getByLabel('Time range').selectOption({ label: 'Last 30 days' });
      await expectEventually(() => chartTotals(page, 'Verifications, last 30 days'), all, 'the last 30 days');
      expect(await page.getByRole('figure', { name: 'Verifications, last 30 days' }).locator('thead th').first().textContent()).toBe('Day');
      await page.getByLabel('Time range').selectOption({ label: 'Last hour' });

      // Light and dark, wide and 375 px: no axe violation, nothing wider than the screen.
      await page.setViewportSize({ width: 375, height: 800 });
      await page.emulateMedia({ colorScheme: 'dark' });
      await expectEventually(() => chartTotals(page, 'Verifications, last hour'), all, 'the chart redrawn in the dark theme');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      expect(await accessibilityViolations(page), 'analytics page, 375 px, dark').toEqual([]);
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.emulateMedia({ colorScheme: 'light' });

      // A top key links to its key page, whose Usage section charts that key's last 7 days.
      await page.getByRole('region', { name: 'Top keys table' }).getByRole('link', { name: bravo.keyId }).click();
      await page.getByRole('heading', { name: 'Key bravo' }).waitFor();
      const usage = "This key's verifications, last 7 days";
      await expectEventually(() => chartTotals(page, usage), { Total: '3', Valid: '1', 'Usage exceeded': '2' }, "bravo's usage");
      expect(await page.getByRole('figure', { name: usage }).locator('.chart-summary').textContent()).toBe(
        '3 verifications: 1 valid, 2 usage exceeded.',
      );
      expect(await accessibilityViolations(page), 'key page with usage').toEqual([]);
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await accessibilityViolations(page), 'key page with usage, dark').toEqual([]);
      await page.emulateMedia({ colorScheme: 'light' });

      // Keys search is the server's: a key past the first page of 100 is found by its name and by its start.
      const many = (await t.call('apis.createApi', { name: 'search many keys' })).body.data.apiId as string;
      for (let made = 0; made < 101; made += 20) {
        const batch = Array.from({ length: Math.min(20, 101 - made) }, (_, i) => `filler ${String(made + i).padStart(3, '0')}`);
        await Promise.all(batch.map((name) => create({ apiId: many, name, prefix: 'fill' })));
      }
      const firstPage = await t.call('apis.listKeys', { apiId: many });
      const beyond = (await t.call('apis.listKeys', { apiId: many, cursor: firstPage.body.pagination.cursor })).body.data[0] as {
        keyId: string;
        name: string;
        start: string;
      };
      expect(firstPage.body.data.some((key: { keyId: string }) => key.keyId === beyond.keyId)).toBe(false);
      await page.goto(`${run.origin}/dashboard/apis/${many}/keys`);
      const table = page.getByRole('region', { name: 'Keys table' });
      await until(async () => (await table.getByRole('row').count()) === 101, 'the first 100 keys and the header row', {
        deadlineMs: 60_000,
      });
      expect(await table.getByRole('link', { name: beyond.name }).count()).toBe(0);
      await page.getByLabel('Search keys').fill(beyond.name.toUpperCase());
      await table.getByRole('link', { name: beyond.name, exact: true }).waitFor();
      await until(async () => (await table.getByRole('row').count()) === 2, 'only the key searched for');
      await page.getByLabel('Search keys').fill(beyond.start);
      await until(async () => (await table.getByRole('row').count()) === 2, 'the key found by its start');
      expect(await table.getByRole('link').allTextContents()).toEqual([beyond.name]);
      await page.getByLabel('Search keys').fill('no key is called this');
      await page.getByText('No key matches the search.').waitFor();

      for (const url of recorded.requests) expect(url.startsWith(`${run.origin}/`), url).toBe(true);
      expect(await recorded.violations()).toEqual([]);
      expect(recorded.pageErrors).toEqual([]);
    } finally {
      await recorded.context.close();
    }
  });

  it.skipIf(!hasBackend)('with analytics off, the page and a key’s usage say so instead of charting', async () => {
    off = await startDashboard({ env: { KEYWARD_ANALYTICS: 'off' } });
    const apiId = (await off.t.call('apis.createApi', { name: 'no analytics' })).body.data.apiId as string;
    const { keyId } = (await off.t.call('keys.createKey', { apiId, name: 'quiet' })).body.data as { keyId: string };
    const direct = await off.t.call('analytics.getVerificationTimeseries', { start: 0, end: 1, interval: 'day' });
    expect([direct.status, direct.body.error.type]).toEqual([503, expect.stringMatching(/analytics_connection_failed$/)]);

    const recorded = await openPage(off);
    const { page } = recorded;
    try {
      await setUpFirstOperator(off, page, 'off.operator@example.com');
      await page.getByRole('link', { name: 'Analytics', exact: true }).click();
      await page.getByText('Analytics is off on this server').waitFor();
      expect(await page.getByRole('figure').count()).toBe(0);
      expect(await page.getByRole('alert').count()).toBe(0);
      expect(await accessibilityViolations(page), 'analytics off').toEqual([]);
      await page.goto(`${off.origin}/dashboard/apis/${apiId}/keys/${keyId}`);
      await page.getByRole('heading', { name: 'Key quiet' }).waitFor();
      await page.getByRole('region', { name: 'Usage' }).getByText('Analytics is off on this server').waitFor();
      expect(recorded.pageErrors).toEqual([]);
    } finally {
      await recorded.context.close();
    }
  });
});
