import { Unkey } from '@unkey/api';
import { afterAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, backendAvailable, startDashboard } from './harness.js';
import { callAsOperator, operatorPage } from './operator.js';

/**
 * The Rate limits pages in chromium (issue 15, part 2): namespaces (made by the real `@unkey/api` client's
 * ratelimit.limit) listed, renamed and deleted; a namespace's overrides set and deleted; the "Try it" form, whose answer
 * is checked against what the same client then reads (it counts against the real limit). A read-only operator sees
 * the pages without any control that changes something, and the server refuses it anyway.
 */

const run = await startDashboard();
const hasBackend = await backendAvailable(run.t);
afterAll(async () => {
  await run.close();
});

const namespaceNames = async () =>
  ((await run.t.call('ratelimitNamespaces.listNamespaces', {})).body.data as { name: string }[]).map((namespace) => namespace.name).sort();

describe('the Rate limits pages', { timeout: 300_000 }, () => {
  it.skipIf(!hasBackend)(
    'namespaces renamed and deleted, overrides set and deleted, Try it counted, in the UI; errors; 375 px dark',
    async () => {
      const unkey = new Unkey({ rootKey: run.t.rootKey, serverURL: run.origin, retryConfig: { strategy: 'none' } });
      const recorded = await operatorPage(run, 'admin');
      const { page } = recorded;
      const operations: string[] = [];
      page.on('request', (request) => {
        const path = new URL(request.url()).pathname;
        if (path.startsWith('/v2/')) operations.push(path.slice(4));
      });
      try {
        await page.goto(`${run.origin}/dashboard/apis`);
        await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Rate limits' }).click();
        await page.getByRole('heading', { name: 'Rate limits', exact: true }).waitFor();
        expect(new URL(page.url()).pathname).toBe('/dashboard/ratelimits');
        await page.getByText('No namespaces yet.').waitFor();
        expect(operations).toContain('ratelimitNamespaces.listNamespaces');

        // Namespaces are made by the first ratelimit.limit that names them.
        for (const namespace of ['api.requests', 'old.name', 'to.delete']) {
          await unkey.ratelimit.limit({ namespace, identifier: 'user_1', limit: 5, duration: 60_000 });
        }
        await page.reload();
        const table = page.getByRole('region', { name: 'Namespaces table' });
        await table.getByRole('link', { name: 'to.delete' }).waitFor();
        expect(await table.getByRole('row').count()).toBe(4);
        expect(await accessibilityViolations(page), 'namespaces page').toEqual([]);

        // Rename by keyboard: the dialog opens on its field, Enter submits.
        await page.getByRole('button', { name: 'Rename namespace old.name' }).click();
        const rename = page.getByRole('dialog', { name: 'Rename namespace old.name' });
        await rename.getByText('start a new, empty namespace').waitFor();
        expect(await rename.getByLabel('New name').evaluate((element) => element === document.activeElement)).toBe(true);
        await page.keyboard.press('Control+A');
        await page.keyboard.type('new.name');
        await page.keyboard.press('Enter');
        await rename.waitFor({ state: 'detached' });
        await table.getByRole('link', { name: 'new.name' }).waitFor();
        expect(await namespaceNames()).toEqual(['api.requests', 'new.name', 'to.delete']);

        // A name another namespace has: the server's refusal, in its own words, inside the dialog; nothing changes.
        await page.getByRole('button', { name: 'Rename namespace new.name' }).click();
        const renameAgain = page.getByRole('dialog', { name: 'Rename namespace new.name' });
        await renameAgain.getByLabel('New name').fill('api.requests');
        await renameAgain.getByRole('button', { name: 'Rename' }).click();
        const taken = await run.t.call('ratelimitNamespaces.renameNamespace', { namespace: 'new.name', name: 'api.requests' });
        expect(taken.status).toBe(400);
        await renameAgain.getByRole('alert').getByText(taken.body.error.detail, { exact: true }).waitFor();
        await page.keyboard.press('Escape');
        await renameAgain.waitFor({ state: 'detached' });
        expect(await namespaceNames()).toEqual(['api.requests', 'new.name', 'to.delete']);

        // Delete, after a confirmation: ratelimit.limit answers 410 for it from then on.
        await page.getByRole('button', { name: 'Delete namespace to.delete' }).click();
        await page.getByRole('dialog', { name: 'Delete namespace to.delete?' }).getByRole('button', { name: 'Delete namespace' }).click();
        await table.getByRole('link', { name: 'to.delete' }).waitFor({ state: 'detached' });
        expect(await namespaceNames()).toEqual(['api.requests', 'new.name']);
        const gone = await run.t.call('ratelimit.limit', { namespace: 'to.delete', identifier: 'user_1', limit: 5, duration: 60_000 });
        expect(gone.status).toBe(410);

        // A namespace's page: no overrides yet.
        await table.getByRole('link', { name: 'api.requests' }).click();
        await page.getByRole('heading', { name: 'Namespace api.requests' }).waitFor();
        // Addressed by id: a name such as api.requests would end the address like a file name, which the server answers with 404.
        const listed = (await run.t.call('ratelimitNamespaces.listNamespaces', {})).body.data as { id: string; name: string }[];
        const namespaceId = listed.find((namespace) => namespace.name === 'api.requests')?.id;
        expect(new URL(page.url()).pathname).toBe(`/dashboard/ratelimits/${namespaceId}`);
        await page.getByText('No overrides in this namespace.').waitFor();

        // An override the server refuses (a 0 s window): its detail is shown, nothing is set.
        const overrideForm = page.getByRole('form', { name: 'Set an override' });
        await overrideForm.getByLabel('Identifier').fill('premium_*');
        await overrideForm.getByLabel('Limit').fill('100');
        await overrideForm.getByLabel('Per seconds').fill('0');
        await overrideForm.getByRole('button', { name: 'Set override' }).click();
        const refused = await run.t.call('ratelimit.setOverride', {
          namespace: 'api.requests',
          identifier: 'premium_*',
          limit: 100,
          duration: 0,
        });
        expect(refused.status).toBe(400);
        await overrideForm.getByRole('alert').getByText(refused.body.error.detail, { exact: true }).waitFor();
        expect((await run.t.call('ratelimit.getOverride', { namespace: 'api.requests', identifier: 'premium_*' })).status).toBe(404);

        await overrideForm.getByLabel('Per seconds').fill('60');
        await overrideForm.getByRole('button', { name: 'Set override' }).click();
        await page.getByRole('status').getByText('Override saved.').waitFor();
        const { data: override } = await unkey.ratelimit.getOverride({ namespace: 'api.requests', identifier: 'premium_*' });
        expect(override).toMatchObject({ identifier: 'premium_*', limit: 100, duration: 60_000 });
        const overrides = page.getByRole('region', { name: 'Overrides table' });
        const overrideRow = overrides.getByRole('row').filter({ hasText: 'premium_*' });
        // "Override saved." shows before the list is read again: wait for the new row before reading its cells.
        await overrideRow.waitFor();
        expect(await overrideRow.getByRole('cell').allTextContents()).toEqual(['premium_*', '100', '60 s', override.overrideId, 'Delete']);
        expect(await accessibilityViolations(page), 'namespace page').toEqual([]);

        // Try it: the page says it counts, and what it answers is what the limiter now holds.
        const tryIt = page.getByRole('form', { name: 'Try it' });
        await tryIt.getByText('counts against the real limit').waitFor();
        await tryIt.getByLabel('Identifier').fill('premium_gold');
        await tryIt.getByLabel('Limit').fill('1');
        await tryIt.getByLabel('Per seconds').fill('60');
        expect(await tryIt.getByLabel('Cost').inputValue()).toBe('1');
        await tryIt.getByRole('button', { name: 'Check and count' }).click();
        const answer = page.getByRole('region', { name: 'Answer' });
        await answer.getByText('Allowed').waitFor();
        const afterOverride = (
          await unkey.ratelimit.limit({ namespace: 'api.requests', identifier: 'premium_gold', limit: 1, duration: 60_000, cost: 0 })
        ).data;
        expect(afterOverride).toMatchObject({ remaining: 99, limit: 100, overrideId: override.overrideId });
        expect(await answer.locator('dd').allTextContents()).toEqual(['Allowed', '100', '99', expect.any(String), override.overrideId]);
        expect(await answer.locator('time').getAttribute('datetime')).toBe(new Date(afterOverride.reset).toISOString());

        // No override for user_1 (1 of 5 used above): cost 4 leaves 0, the next call is refused.
        await tryIt.getByLabel('Identifier').fill('user_1');
        await tryIt.getByLabel('Limit').fill('5');
        await tryIt.getByLabel('Cost').fill('4');
        await tryIt.getByRole('button', { name: 'Check and count' }).click();
        await answer.getByText('None (the limit sent applied)').waitFor();
        expect(await answer.locator('dd').allTextContents()).toEqual([
          'Allowed',
          '5',
          '0',
          expect.any(String),
          'None (the limit sent applied)',
        ]);
        await tryIt.getByLabel('Cost').fill('1');
        await tryIt.getByRole('button', { name: 'Check and count' }).click();
        await answer.getByText('Refused: the limit is reached').waitFor();
        const afterRefusal = (
          await unkey.ratelimit.limit({ namespace: 'api.requests', identifier: 'user_1', limit: 5, duration: 60_000, cost: 1 })
        ).data;
        expect(afterRefusal).toMatchObject({ success: false, remaining: 0 });

        // Delete the override, after a confirmation.
        await overrides.getByRole('button', { name: 'Delete override premium_*' }).click();
        await page.getByRole('dialog', { name: 'Delete override premium_*?' }).getByRole('button', { name: 'Delete override' }).click();
        await page.getByText('No overrides in this namespace.').waitFor();
        expect((await run.t.call('ratelimit.getOverride', { namespace: 'api.requests', identifier: 'premium_*' })).status).toBe(404);

        // 375 px wide, dark.
        await page.setViewportSize({ width: 375, height: 740 });
        await page.emulateMedia({ colorScheme: 'dark' });
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
        expect(await accessibilityViolations(page), 'namespace page, 375 px, dark').toEqual([]);
        await page.getByRole('link', { name: '← Rate limits' }).click();
        await table.getByRole('link', { name: 'api.requests' }).waitFor();
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
        expect(await accessibilityViolations(page), 'namespaces page, 375 px, dark').toEqual([]);

        // A namespace that does not exist: the server's detail, and no Try it form that would create it.
        const missing = await run.t.call('ratelimit.listOverrides', { namespace: 'rlns_doesnotexist' });
        expect(missing.status).toBe(404);
        await page.goto(`${run.origin}/dashboard/ratelimits/rlns_doesnotexist`);
        await page.getByRole('alert').getByText(missing.body.error.detail, { exact: true }).waitFor();
        expect(await page.getByRole('form', { name: 'Try it' }).count()).toBe(0);
        expect(await namespaceNames()).toEqual(['api.requests', 'new.name']);

        for (const url of recorded.requests) expect(url.startsWith(`${run.origin}/`), url).toBe(true);
        expect(await recorded.violations()).toEqual([]);
        expect(recorded.pageErrors).toEqual([]);
      } finally {
        await recorded.context.close();
      }
    },
  );

  it.skipIf(!hasBackend)(
    'a read-only operator sees namespaces and overrides without controls that change them, and the server refuses it',
    async () => {
      await run.t.call('ratelimit.limit', { namespace: 'read.only.view', identifier: 'user_1', limit: 5, duration: 60_000 });
      expect(
        (await run.t.call('ratelimit.setOverride', { namespace: 'read.only.view', identifier: 'vip_*', limit: 50, duration: 60_000 }))
          .status,
      ).toBe(200);
      const recorded = await operatorPage(run, 'read_only');
      const { page } = recorded;
      try {
        await page.goto(`${run.origin}/dashboard/ratelimits`);
        await page.getByRole('link', { name: 'read.only.view' }).waitFor();
        expect(await page.getByRole('button', { name: /^(Rename|Delete) namespace/ }).count()).toBe(0);
        await page.getByRole('link', { name: 'read.only.view' }).click();
        await page.getByRole('heading', { name: 'Namespace read.only.view' }).waitFor();
        await page.getByRole('region', { name: 'Overrides table' }).getByText('vip_*').waitFor();
        expect(await page.getByRole('form').count()).toBe(0);
        expect(await page.getByRole('button', { name: /Delete override/ }).count()).toBe(0);
        expect(await accessibilityViolations(page), 'namespace page, read-only').toEqual([]);

        expect(
          (
            await callAsOperator(recorded.page, 'ratelimit.setOverride', {
              namespace: 'read.only.view',
              identifier: 'x',
              limit: 0,
              duration: 1000,
            })
          ).status,
        ).toBe(403);
        expect((await callAsOperator(recorded.page, 'ratelimitNamespaces.deleteNamespace', { namespace: 'read.only.view' })).status).toBe(
          403,
        );
        expect(
          (
            await callAsOperator(recorded.page, 'ratelimit.limit', {
              namespace: 'read.only.view',
              identifier: 'u',
              limit: 1,
              duration: 1000,
            })
          ).status,
        ).toBe(403);
        expect(await namespaceNames()).toContain('read.only.view');
      } finally {
        await recorded.context.close();
      }
    },
  );
});
