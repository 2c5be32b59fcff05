import { Unkey } from '@unkey/api';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../poll.js';
import { accessibilityViolations, backendAvailable, openPage, startDashboard } from './harness.js';
import { callAsOperator, operatorPage, setUpFirstOperator, signInNewOperator } from './operator.js';

/**
 * The Root keys page in chromium (issue 15, part 2): an admin creates a root key with the permission picker, reads its
 * secret from the shown-once dialog, and the real `@unkey/api` client using that secret is allowed what it was given and
 * refused the rest; revoked in the page, it is refused everything. The no-escalation rule holds for operators too: a
 * permission the admin does not hold is refused with the server's detail. The secret must reach no URL, no later
 * request and no web storage. A member (no root-key management) sees the server's refusal and no controls. Rerolled in
 * the page with a grace period: the new secret shown once, the old key listed as retiring, both working until it ends.
 */

const run = await startDashboard();
const hasBackend = await backendAvailable(run.t);
afterAll(async () => {
  await run.close();
});

describe('the Root keys page', { timeout: 300_000 }, () => {
  it.skipIf(!hasBackend)(
    'create with the picker, use with the Unkey client, refuse escalation, revoke; members only see why not',
    async () => {
      const apiId = (await run.t.call('apis.createApi', { name: 'root keys at work' })).body.data.apiId as string;

      const recorded = await openPage(run);
      const { page } = recorded;
      await recorded.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: run.origin });
      const calls: { operation: string; body: string; at: number }[] = [];
      page.on('request', (request) => {
        const path = new URL(request.url()).pathname;
        if (path.startsWith('/v2/')) calls.push({ operation: path.slice(4), body: request.postData() ?? '', at: calls.length });
      });
      const member = await openPage(run, { width: 375, colorScheme: 'dark' });
      try {
        await setUpFirstOperator(run, page, 'roots.admin@example.com');
        await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Root keys' }).click();
        await page.getByRole('heading', { name: 'Root keys', level: 1 }).waitFor();
        expect(new URL(page.url()).pathname).toBe('/dashboard/root-keys');
        // The test server's bootstrap root key is listed (without a name, by its id).
        const table = page.getByRole('region', { name: 'Root keys table' });
        await until(async () => (await table.getByRole('row').count()) === 2, 'the bootstrap root key and the header row');

        // The picker groups the catalogue by area.
        const apisGroup = page.getByRole('group', { name: 'APIs and keys' });
        await apisGroup.getByRole('checkbox', { name: 'api.*.read_api' }).waitFor();
        expect(
          await page.getByRole('group', { name: 'Root keys' }).getByRole('checkbox', { name: 'rootkey.*.create_root_key' }).count(),
        ).toBe(1);
        expect(await accessibilityViolations(page), 'root keys page').toEqual([]);

        // Nothing ticked: refused in the page, nothing sent.
        await page.getByLabel('Root key name').fill('browser root key');
        await page.getByRole('button', { name: 'Create root key' }).click();
        await page.getByRole('alert').getByText('Pick at least one permission').waitFor();
        expect(calls.some((call) => call.operation === 'rootKeys.createRootKey')).toBe(false);

        // A URN the admin does not hold (its role holds tuples only): the server refuses to grant it, naming it.
        await apisGroup.getByRole('checkbox', { name: 'api.*.read_api' }).check();
        const urn = `unkey:v1:${run.t.workspaceId}:keyspaces/${apiId}/keys/*#read_key`;
        await page.getByLabel('More permissions (one per line)').fill(urn);
        await page.getByRole('button', { name: 'Create root key' }).click();
        await page.getByRole('alert').getByText(`Cannot grant '${urn}': a root key can only grant permissions it holds itself.`).waitFor();
        // One Keyward does not know: 400 with the server's detail and the refused field.
        await page.getByLabel('More permissions (one per line)').fill('documents.*.read');
        await page.getByRole('button', { name: 'Create root key' }).click();
        await page.getByRole('alert').getByText('Some permissions are not ones Keyward knows', { exact: false }).waitFor();
        await page.getByRole('alert').getByText("unknown resource type 'documents'", { exact: false }).waitFor();
        expect(await table.getByRole('row').count()).toBe(2);

        // Created: the secret once, in the dialog, with a copy button and the warning.
        await page.getByLabel('More permissions (one per line)').fill('');
        await page.getByLabel('Environment').selectOption('prod');
        await page.getByRole('button', { name: 'Create root key' }).click();
        const dialog = page.getByRole('dialog', { name: 'Your new root key' });
        await dialog.waitFor();
        await dialog.getByText('it will not be shown again').waitFor();
        await dialog.getByText('if it is lost, revoke it and create another').waitFor();
        const secret = await dialog.getByLabel('Key', { exact: true }).inputValue();
        expect(secret.length).toBeGreaterThan(20);
        // The environment is in the key itself, recognisable at a glance.
        expect(secret).toMatch(/^kw_root_prod_/);
        const createdAt = calls.filter((call) => call.operation === 'rootKeys.createRootKey').at(-1)!.at;
        await dialog.getByRole('button', { name: 'Copy key' }).click();
        await dialog.getByText('Copied.').waitFor();
        expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
        expect(await accessibilityViolations(page), 'new root key dialog').toEqual([]);
        await dialog.getByRole('button', { name: 'I have saved it, close' }).click();
        await dialog.waitFor({ state: 'detached' });
        expect(await page.evaluate((text) => document.documentElement.outerHTML.includes(text), secret)).toBe(false);
        const row = table.getByRole('row').filter({ has: page.getByRole('cell', { name: 'browser root key', exact: true }) });
        await row.waitFor();
        await row.getByRole('cell', { name: 'prod', exact: true }).waitFor();
        await row.getByText('1 permission', { exact: true }).click();
        await row.getByText('api.*.read_api', { exact: true }).waitFor();

        // The secret does what it was given and nothing more.
        const client = new Unkey({ rootKey: secret, serverURL: run.origin, retryConfig: { strategy: 'none' } });
        expect((await client.apis.getApi({ apiId })).data).toMatchObject({ id: apiId, name: 'root keys at work' });
        await expect(client.apis.createApi({ name: 'not allowed' })).rejects.toMatchObject({ statusCode: 403 });

        // At 375 px in the dark theme the page fits and passes axe.
        await page.setViewportSize({ width: 375, height: 800 });
        await page.emulateMedia({ colorScheme: 'dark' });
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
        expect(await accessibilityViolations(page), 'root keys page, 375 px, dark').toEqual([]);

        // Revoked after a confirmation: refused from then on.
        await page.getByRole('button', { name: 'Revoke root key browser root key' }).click();
        const confirm = page.getByRole('dialog', { name: 'Revoke root key browser root key?' });
        expect(await confirm.getByRole('button', { name: 'Cancel' }).evaluate((button) => button === document.activeElement)).toBe(true);
        await confirm.getByRole('button', { name: 'Revoke root key' }).click();
        await until(async () => (await row.count()) === 0, 'the revoked key leaves the list');
        await expect(client.apis.getApi({ apiId })).rejects.toMatchObject({ statusCode: 401 });

        // A member: root-key management is not its role's; the page shows the server's refusal and no controls.
        await signInNewOperator(run, page, member.page, 'roots.member@example.com', 'member');
        await member.page.goto(`${run.origin}/dashboard/root-keys`);
        await member.page.getByRole('heading', { name: 'Root keys', level: 1 }).waitFor();
        const refusal = await callAsOperator(member.page, 'rootKeys.listRootKeys', {});
        expect(refusal.status).toBe(403);
        expect(refusal.body.error.detail).toContain('rootkey.*.read_root_key');
        await member.page.getByRole('alert').getByText(refusal.body.error.detail, { exact: true }).waitFor();
        expect(await member.page.getByRole('button', { name: /Create root key|Revoke/ }).count()).toBe(0);
        expect(await member.page.getByLabel('Root key name').count()).toBe(0);
        expect(await member.page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
        expect(await accessibilityViolations(member.page), 'root keys page, member, 375 px, dark').toEqual([]);

        // The secret went nowhere it could stay: no URL, no request after the one that created it, no web storage.
        const storage = await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }]));
        expect(storage.includes(secret)).toBe(false);
        for (const url of [...recorded.requests, ...member.requests]) {
          expect(url.includes(secret), url).toBe(false);
          expect(url.startsWith(`${run.origin}/`), url).toBe(true);
        }
        const later = calls.filter((call) => call.at > createdAt);
        expect(later.length).toBeGreaterThan(3);
        for (const call of later) expect(call.body.includes(secret), call.operation).toBe(false);
        for (const seen of [recorded, member]) {
          expect(await seen.violations()).toEqual([]);
          expect(seen.pageErrors).toEqual([]);
        }
      } finally {
        await member.context.close();
        await recorded.context.close();
      }
    },
  );

  it.skipIf(!hasBackend)(
    'reroll with a grace period: the new secret once, the old key shown retiring, both working until it ends; refusals shown',
    async () => {
      const { t } = run;
      const apiId = (await t.call('apis.createApi', { name: 'rerolled at work' })).body.data.apiId as string;
      const made = await t.call('rootKeys.createRootKey', { name: 'deploy', permissions: ['api.*.read_api'], environment: 'staging' });
      expect(made.status).toBe(200);
      const old = made.body.data as { rootKeyId: string; key: string };
      const stale = (await t.call('rootKeys.createRootKey', { name: 'stale', permissions: ['api.*.read_api'] })).body.data as {
        rootKeyId: string;
      };
      const recorded = await operatorPage(run, 'admin');
      const { page } = recorded;
      let secret = '';
      try {
        await page.goto(`${run.origin}/dashboard/root-keys`);
        const table = page.getByRole('region', { name: 'Root keys table' });
        const rows = table.getByRole('row').filter({ has: page.getByRole('cell', { name: 'deploy', exact: true }) });
        await rows.first().waitFor();
        expect(await rows.count()).toBe(1);

        // Rerolled elsewhere since the page was read: the server's refusal, inside the dialog; nothing else changes.
        await table.getByRole('row').filter({ hasText: 'stale' }).waitFor();
        const first = await t.call('rootKeys.rerollRootKey', { rootKeyId: stale.rootKeyId, expiration: 60_000 });
        expect(first.status).toBe(200);
        const again = await t.call('rootKeys.rerollRootKey', { rootKeyId: stale.rootKeyId, expiration: 0 });
        expect(again.status).toBe(412);
        await page.getByRole('button', { name: 'Reroll root key stale' }).click();
        const staleDialog = page.getByRole('dialog', { name: 'Reroll root key stale?' });
        await staleDialog.getByRole('button', { name: 'Reroll root key' }).click();
        await staleDialog.getByRole('alert').getByText(again.body.error.detail, { exact: true }).waitFor();
        await staleDialog.getByRole('button', { name: 'Cancel' }).click();
        await staleDialog.waitFor({ state: 'detached' });

        // A grace period of an hour: the new secret once, in its environment; the old key listed as retiring.
        await page.getByRole('button', { name: 'Reroll root key deploy' }).click();
        const confirm = page.getByRole('dialog', { name: 'Reroll root key deploy?' });
        expect(await confirm.getByRole('button', { name: 'Cancel' }).evaluate((button) => button === document.activeElement)).toBe(true);
        await confirm.getByLabel('Grace period').selectOption({ label: '1 hour' });
        expect(await accessibilityViolations(page), 'reroll dialog').toEqual([]);
        await confirm.getByRole('button', { name: 'Reroll root key' }).click();
        const issued = page.getByRole('dialog', { name: 'Your rerolled root key' });
        await issued.getByText('it will not be shown again').waitFor();
        await issued.getByText('The old key stops working').waitFor();
        secret = await issued.getByLabel('Key', { exact: true }).inputValue();
        expect(secret).toMatch(/^kw_root_staging_/);
        expect(secret).not.toBe(old.key);
        await issued.getByRole('button', { name: 'I have saved it, close' }).click();
        await issued.waitFor({ state: 'detached' });
        expect(await page.evaluate((text) => document.documentElement.outerHTML.includes(text), secret)).toBe(false);

        await until(async () => (await rows.count()) === 2, 'the new key and the retiring one');
        const listed = (await t.call('rootKeys.listRootKeys', {})).body.data as { id: string; name?: string; retiresAt?: number }[];
        const retiring = listed.find((k) => k.id === old.rootKeyId);
        expect(retiring?.retiresAt).toBe(t.clock.now() + 3_600_000);
        const oldRow = rows.filter({ hasText: 'rerolled: stops' });
        expect(await oldRow.count()).toBe(1);
        expect(await oldRow.getByRole('button', { name: 'Reroll root key deploy' }).count()).toBe(0);
        expect(await rows.filter({ hasNotText: 'rerolled: stops' }).getByRole('button', { name: 'Reroll root key deploy' }).count()).toBe(
          1,
        );
        for (const row of [oldRow, rows.filter({ hasNotText: 'rerolled: stops' })]) {
          await row.getByRole('cell', { name: 'staging', exact: true }).waitFor();
        }

        // 375 px, dark.
        await page.setViewportSize({ width: 375, height: 800 });
        await page.emulateMedia({ colorScheme: 'dark' });
        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
        expect(await accessibilityViolations(page), 'root keys page with a retiring key, 375 px, dark').toEqual([]);
        for (const url of recorded.requests) expect(url.includes(secret), url).toBe(false);
        expect(await recorded.violations()).toEqual([]);
        expect(recorded.pageErrors).toEqual([]);
      } finally {
        await recorded.context.close();
      }

      // Both secrets work through the grace period; the old one is refused once it ends, the new one is not.
      const client = (rootKey: string) => new Unkey({ rootKey, serverURL: run.origin, retryConfig: { strategy: 'none' } });
      const rerolled = (await t.call('rootKeys.listRootKeys', {})).body.data as { id: string; name?: string; retiresAt?: number }[];
      expect(rerolled.filter((k) => k.name === 'deploy')).toHaveLength(2);
      const apiSeenWith = async (rootKey: string) => (await client(rootKey).apis.getApi({ apiId })).data.id;
      expect(await apiSeenWith(old.key)).toBe(apiId);
      expect(await apiSeenWith(secret)).toBe(apiId);
      t.clock.advance(3_600_000 - 1);
      expect(await apiSeenWith(old.key)).toBe(apiId);
      t.clock.advance(1);
      await expect(client(old.key).apis.getApi({ apiId })).rejects.toMatchObject({ statusCode: 401 });
      expect(await apiSeenWith(secret)).toBe(apiId);
    },
  );
});
