import { Unkey } from '@unkey/api';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../poll.js';
import { accessibilityViolations, backendAvailable, openPage, startDashboard } from './harness.js';
import { callAsOperator, setUpFirstOperator, signInNewOperator } from './operator.js';

/**
 * The Permissions page and a key's "Permissions and roles" section in chromium (issue 15, part 2): an admin creates
 * permissions and a role, sets the role's permissions with the picker, deletes a permission after a confirmation, gives
 * the role (and then a direct permission) to a key on its page, and each change is checked with the real `@unkey/api`
 * client: verifyKey's permission query passes only while the key holds the permission. A read-only operator sees the same
 * pages without a control that changes anything, and the server refuses its change anyway.
 */

const run = await startDashboard();
const hasBackend = await backendAvailable(run.t);
afterAll(async () => {
  await run.close();
});

describe('the Permissions page and a key’s permissions and roles', { timeout: 300_000 }, () => {
  it.skipIf(!hasBackend)('create, assign, verify with the Unkey client, remove; read-only operators only look', async () => {
    const unkey = new Unkey({ rootKey: run.t.rootKey, serverURL: run.origin, retryConfig: { strategy: 'none' } });
    const apiId = (await run.t.call('apis.createApi', { name: 'documents' })).body.data.apiId as string;
    const { keyId, key } = (await run.t.call('keys.createKey', { apiId, name: 'reader key' })).body.data as { keyId: string; key: string };
    const query = async (permissions: string) => (await unkey.keys.verifyKey({ key, permissions })).data;

    const recorded = await openPage(run);
    const { page } = recorded;
    const operations: string[] = [];
    page.on('request', (request) => {
      const path = new URL(request.url()).pathname;
      if (path.startsWith('/v2/')) operations.push(path.slice(4));
    });
    const viewer = await openPage(run, { width: 375, colorScheme: 'dark' });
    try {
      await setUpFirstOperator(run, page, 'rbac.admin@example.com');

      // The navigation's entry; empty states.
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Permissions' }).click();
      await page.getByRole('heading', { name: 'Permissions and roles', level: 1 }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/dashboard/permissions');
      await page.getByText('No permissions yet.').waitFor();
      await page.getByText('No roles yet.').waitFor();
      expect(await accessibilityViolations(page), 'permissions page, empty').toEqual([]);

      // Two permissions; a slug taken already is refused with the server's own detail, and nothing more is created.
      for (const [name, slug] of [
        ['Read documents', 'documents.read'],
        ['Write documents', 'documents.write'],
      ]) {
        await page.getByLabel('Permission name').fill(name!);
        await page.getByLabel('Slug').fill(slug!);
        await page.getByLabel('Permission description').fill(`${name} of the documents API`);
        await page.getByRole('button', { name: 'Create permission' }).click();
        await page.getByText(`Created permission ${slug}.`).waitFor();
      }
      const table = page.getByRole('region', { name: 'Permissions table' });
      await table.getByRole('cell', { name: 'documents.write', exact: true }).waitFor();
      expect(await table.getByRole('row').count()).toBe(3);
      await page.getByLabel('Permission name').fill('Again');
      await page.getByLabel('Slug').fill('documents.read');
      await page.getByRole('button', { name: 'Create permission' }).click();
      const taken = await run.t.call('permissions.createPermission', { name: 'Again', slug: 'documents.read' });
      expect(taken.status).toBe(409);
      await page.getByRole('alert').getByText(taken.body.error.detail, { exact: true }).waitFor();
      expect(await table.getByRole('row').count()).toBe(3);

      // A role, its permissions set with the picker.
      await page.getByLabel('Role name').fill('reader');
      await page.getByLabel('Role description').fill('Reads documents');
      await page.getByRole('button', { name: 'Create role' }).click();
      await page.getByText('Created role reader.').waitFor();
      const roles = page.getByRole('region', { name: 'Roles table' });
      const readerRow = roles.getByRole('row').filter({ has: page.getByRole('cell', { name: 'reader', exact: true }) });
      await readerRow.waitFor();
      expect(await readerRow.getByRole('cell').allTextContents()).toEqual(['reader', 'Reads documents', 'None', expect.any(String)]);
      await page.getByRole('button', { name: 'Edit permissions of role reader' }).click();
      const panel = page.getByRole('region', { name: 'Permissions of role reader' });
      await panel.getByRole('group', { name: 'Permissions of reader' }).waitFor();
      expect(await accessibilityViolations(page), 'role panel').toEqual([]);
      await panel.getByRole('checkbox', { name: 'documents.read' }).check();
      await panel.getByRole('button', { name: 'Save role permissions' }).click();
      await panel.getByText('Saved the permissions of role reader.').waitFor();
      await until(
        async () => (await readerRow.getByRole('cell').nth(2).textContent()) === 'documents.read',
        'the role lists its permission',
      );
      expect(operations).toContain('permissions.setRolePermissions');
      await panel.getByRole('button', { name: 'Close' }).click();

      // Delete a permission after a confirmation.
      await page.getByRole('button', { name: 'Delete permission documents.write' }).click();
      await page
        .getByRole('dialog', { name: 'Delete permission documents.write?' })
        .getByRole('button', { name: 'Delete permission' })
        .click();
      await until(
        async () => (await table.getByRole('cell', { name: 'documents.write', exact: true }).count()) === 0,
        'the permission goes',
      );
      expect((await run.t.call('permissions.getPermission', { permission: 'documents.write' })).status).toBe(404);

      // At 375 px in the dark theme the page fits and passes axe.
      await page.setViewportSize({ width: 375, height: 800 });
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      expect(await accessibilityViolations(page), 'permissions page, 375 px, dark').toEqual([]);
      await page.setViewportSize({ width: 1280, height: 800 });
      await page.emulateMedia({ colorScheme: 'light' });

      // The key's page: no permission yet, so the query fails; the role gives it.
      expect(await query('documents.read')).toMatchObject({ valid: false, code: 'INSUFFICIENT_PERMISSIONS' });
      await page.goto(`${run.origin}/dashboard/apis/${apiId}/keys/${keyId}`);
      await page.getByRole('heading', { name: 'Key reader key' }).waitFor();
      const section = page.getByRole('region', { name: 'Permissions and roles' });
      await section.getByLabel('Role to add').waitFor();
      expect(await section.getByText('None.').count()).toBe(2);
      await section.getByLabel('Role to add').selectOption('reader');
      await section.getByRole('button', { name: 'Add role' }).click();
      await section.getByText('Added role reader.').waitFor();
      const held = section.getByRole('list', { name: 'Permissions' });
      await held.getByText('documents.read').waitFor();
      expect(await held.getByRole('listitem').allTextContents()).toEqual(['documents.readthrough role reader']);
      // Reached through its role, the permission is removed with the role, not on its own.
      expect(await held.getByRole('button').count()).toBe(0);
      expect(await section.getByRole('list', { name: 'Roles' }).getByRole('listitem').allTextContents()).toEqual(['readerRemove']);
      expect(await query('documents.read')).toMatchObject({ valid: true, code: 'VALID' });
      expect(await accessibilityViolations(page), 'key detail with a role').toEqual([]);

      // A direct permission, with a slug the workspace lacks (created by keys.addPermissions), then removed.
      expect(await query('documents.share')).toMatchObject({ valid: false, code: 'INSUFFICIENT_PERMISSIONS' });
      // A slug the server refuses: its detail is shown, the field keeps the text to correct, the key is unchanged.
      const badSlug = await run.t.call('keys.addPermissions', { keyId, permissions: ['not a slug'] });
      expect(badSlug.status).toBe(400);
      await section.getByLabel('Permission to add').fill('not a slug');
      await section.getByRole('button', { name: 'Add permission' }).click();
      await section.getByRole('alert').getByText(badSlug.body.error.detail, { exact: true }).waitFor();
      expect(await section.getByLabel('Permission to add').inputValue()).toBe('not a slug');
      expect(await held.getByRole('listitem').count()).toBe(1);
      await section.getByLabel('Permission to add').fill('documents.share');
      await section.getByRole('button', { name: 'Add permission' }).click();
      await section.getByText('Added permission documents.share.').waitFor();
      await held.getByText('documents.share').waitFor();
      expect(await held.getByRole('listitem').allTextContents()).toEqual([
        'documents.readthrough role reader',
        'documents.sharedirectRemove',
      ]);
      expect(await query('documents.read AND documents.share')).toMatchObject({ valid: true, code: 'VALID' });
      await section.getByRole('button', { name: 'Remove permission documents.share' }).click();
      await section.getByText('Removed permission documents.share.').waitFor();
      await until(async () => (await held.getByText('documents.share').count()) === 0, 'the permission leaves the list');
      expect(await query('documents.share')).toMatchObject({ valid: false, code: 'INSUFFICIENT_PERMISSIONS' });

      // A role the workspace lacks is refused with the server's detail (the select only offers existing ones, so it is
      // deleted meanwhile, through the API), and the key keeps what it had.
      await run.t.call('permissions.createRole', { name: 'short-lived' });
      await page.reload();
      await section.getByLabel('Role to add').selectOption('short-lived');
      await run.t.call('permissions.deleteRole', { role: 'short-lived' });
      await section.getByRole('button', { name: 'Add role' }).click();
      await section.getByRole('alert').getByText('short-lived').waitFor();
      expect(await query('documents.read')).toMatchObject({ valid: true, code: 'VALID' });

      // A read-only operator: the same pages, without controls; the server refuses a change made around the page.
      await signInNewOperator(run, page, viewer.page, 'rbac.viewer@example.com', 'read_only');
      const view = viewer.page;
      await view.goto(`${run.origin}/dashboard/permissions`);
      await view.getByRole('region', { name: 'Roles table' }).getByRole('cell', { name: 'reader', exact: true }).waitFor();
      await view.getByRole('region', { name: 'Permissions table' }).getByRole('cell', { name: 'documents.read', exact: true }).waitFor();
      expect(await view.getByRole('button', { name: /Create|Delete|Edit permissions/ }).count()).toBe(0);
      expect(await view.getByLabel('Slug').count()).toBe(0);
      expect(await view.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      expect(await accessibilityViolations(view), 'permissions page, read-only, 375 px, dark').toEqual([]);
      const refused = await callAsOperator(view, 'permissions.createPermission', { name: 'Sneaky', slug: 'sneaky' });
      expect(refused.status).toBe(403);
      await view.goto(`${run.origin}/dashboard/apis/${apiId}/keys/${keyId}`);
      const viewed = view.getByRole('region', { name: 'Permissions and roles' });
      await viewed.getByRole('list', { name: 'Roles' }).getByText('reader').waitFor();
      expect(await viewed.getByRole('button').count()).toBe(0);
      expect(await viewed.getByLabel(/to add/).count()).toBe(0);
      expect((await callAsOperator(view, 'keys.removeRoles', { keyId, roles: ['reader'] })).status).toBe(403);
      expect(await query('documents.read')).toMatchObject({ valid: true, code: 'VALID' });

      // Removing the role on the admin's page takes the permission away.
      await section.getByRole('button', { name: 'Remove role reader' }).click();
      await section.getByText('Removed role reader.').waitFor();
      await until(async () => (await held.count()) === 0, 'the key holds no permission');
      expect(await query('documents.read')).toMatchObject({ valid: false, code: 'INSUFFICIENT_PERMISSIONS' });

      for (const seen of [recorded, viewer]) {
        for (const url of seen.requests) expect(url.startsWith(`${run.origin}/`), url).toBe(true);
        expect(await seen.violations()).toEqual([]);
        expect(seen.pageErrors).toEqual([]);
      }
    } finally {
      await viewer.context.close();
      await recorded.context.close();
    }
  });
});
