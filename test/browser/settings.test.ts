import { afterAll, describe, expect, it } from 'vitest';
import { accessibilityViolations, backendAvailable, openPage, startDashboard } from './harness.js';
import { enrolMfa, setUpFirstOperator } from './operator.js';

/**
 * The Settings page in chromium (issue 15, part 2): the first operator signs in as keys.test.ts does, then adds an
 * operator, changes its role, is refused demoting the workspace's last admin (the server's words shown), and removes
 * the operator after a confirmation; each change is checked in the server's store. The workspace, vault and nodes
 * panels show what the server's own services answer. The new operator's password never reaches a URL or web storage.
 */

const run = await startDashboard();
const hasBackend = await backendAvailable(run.t);
afterAll(async () => {
  await run.close();
});

const NEW_EMAIL = 'second.operator@example.com';
const NEW_PASSWORD = 'the second operator passphrase';

describe('the Settings page', { timeout: 240_000 }, () => {
  it.skipIf(!hasBackend)('operators added, re-roled and removed in the UI; workspace, vault and nodes as the server has them', async () => {
    const { t } = run;
    const recorded = await openPage(run);
    const { page } = recorded;
    const urls: string[] = [];
    page.on('request', (request) => urls.push(request.url()));
    try {
      await setUpFirstOperator(run, page, 'settings.admin@example.com');

      // Through the navigation.
      await page.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('heading', { name: 'Settings', exact: true }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/dashboard/settings');

      // Workspace: name, id, role, and the API rate limit as the server resolves it (none set: unlimited).
      const workspace = page.getByRole('region', { name: 'Workspace' });
      await workspace.getByText(t.workspaceId).waitFor();
      const details = async (region: typeof workspace) => (await region.locator('dd').allTextContents()).map((s) => s.trim());
      expect(await details(workspace)).toEqual(['default', t.workspaceId, expect.any(String), 'Admin', 'Unlimited']);

      // Vault: this server has none, as its own service says.
      expect(await t.server.services.vaultStatus.report()).toEqual({ mode: 'none', recoverableKeys: false });
      const vault = page.getByRole('region', { name: 'Vault' });
      await vault.getByText('Not available').waitFor();
      expect(await details(vault)).toEqual(['Not available', expect.stringMatching(/^None configured/)]);

      // Nodes: exactly the registry's rows, this one marked.
      const nodesRegion = page.getByRole('region', { name: 'Nodes', exact: true });
      const registered = await t.server.store.listNodes();
      expect(registered).toHaveLength(1);
      const row = nodesRegion.getByRole('row').filter({ hasText: registered[0]!.id });
      await row.waitFor();
      const cells = (await row.getByRole('cell').allTextContents()).map((s) => s.trim());
      expect(cells.slice(0, 6)).toEqual([
        `${registered[0]!.name} (this node)${registered[0]!.id}`,
        'Up',
        registered[0]!.hostname,
        registered[0]!.version,
        `OK (${t.server.store.engine === 'postgres' ? 'PostgreSQL' : 'SQLite'})`,
        'Not used',
      ]);
      expect(await accessibilityViolations(page), 'settings page').toEqual([]);

      // Add an operator: the password goes to the server once and leaves the form.
      const operators = page.getByRole('region', { name: 'Operators', exact: true });
      await operators.getByLabel('Email').fill(NEW_EMAIL);
      await operators.getByLabel('First password').fill(NEW_PASSWORD);
      await operators.getByLabel('Role', { exact: true }).selectOption('member');
      await operators.getByRole('button', { name: 'Add operator' }).click();
      await operators.getByRole('status').getByText(`Added ${NEW_EMAIL}`).waitFor();
      expect(await operators.getByLabel('First password').inputValue()).toBe('');
      const added = (await t.server.store.listWorkspaceOperators(t.workspaceId)).find((o) => o.email === NEW_EMAIL);
      expect(added).toMatchObject({ role: 'member', mfaEnrolled: false });
      const roleOf = operators.getByLabel(`Role of ${NEW_EMAIL}`);
      expect(await roleOf.inputValue()).toBe('member');

      // Change its role.
      await roleOf.selectOption('read_only');
      await operators.getByRole('status').getByText(`${NEW_EMAIL} is now Read-only.`).waitFor();
      expect(await t.server.store.findMembership(added!.id, t.workspaceId)).toBe('read_only');

      // Demoting the last admin (this operator) is refused with the server's words, and the list shows the truth.
      const mine = operators.getByLabel('Role of settings.admin@example.com');
      await mine.selectOption('member');
      await operators.getByRole('alert').getByText('The workspace must keep at least one admin').waitFor();
      await expect.poll(() => mine.inputValue()).toBe('admin');
      expect((await t.server.store.listWorkspaceOperators(t.workspaceId)).find((o) => o.email === 'settings.admin@example.com')?.role).toBe(
        'admin',
      );

      // Remove it, after a confirmation; Cancel first changes nothing.
      await operators.getByRole('button', { name: `Remove ${NEW_EMAIL}` }).click();
      const dialog = page.getByRole('dialog', { name: `Remove ${NEW_EMAIL}?` });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await dialog.waitFor({ state: 'detached' });
      expect(await t.server.store.findMembership(added!.id, t.workspaceId)).toBe('read_only');
      await operators.getByRole('button', { name: `Remove ${NEW_EMAIL}` }).click();
      await dialog.getByRole('button', { name: 'Remove operator' }).click();
      await operators.getByRole('status').getByText(`Removed ${NEW_EMAIL}`).waitFor();
      await operators.getByLabel(`Role of ${NEW_EMAIL}`).waitFor({ state: 'detached' });
      expect(await t.server.store.findMembership(added!.id, t.workspaceId)).toBeUndefined();

      // The password was never in an address, web storage or the page.
      for (const url of urls) expect(url).not.toContain(encodeURIComponent(NEW_PASSWORD).slice(0, 10));
      expect(await page.evaluate(() => JSON.stringify([{ ...localStorage }, { ...sessionStorage }]))).not.toContain(NEW_PASSWORD);
      expect(await page.evaluate((text) => document.documentElement.outerHTML.includes(text), NEW_PASSWORD)).toBe(false);
      for (const url of urls) expect(url.startsWith(`${run.origin}/`), url).toBe(true);

      // A node that stopped writing shows as gone, as the server judges it.
      await t.server.store.upsertNode({
        ...registered[0]!,
        id: 'node_settingsbrowsergone',
        name: 'old-node',
        lastSeenAt: t.clock.now() - 60_000,
      });
      await nodesRegion.getByRole('button', { name: 'Refresh nodes' }).click();
      const goneRow = nodesRegion.getByRole('row').filter({ hasText: 'node_settingsbrowsergone' });
      await goneRow.waitFor();
      expect((await goneRow.getByRole('cell').allTextContents()).slice(0, 2)).toEqual(['old-nodenode_settingsbrowsergone', 'Gone']);

      // Dark theme, then a 375 px phone: no violation, nothing wider than the screen.
      await page.emulateMedia({ colorScheme: 'dark' });
      expect(await accessibilityViolations(page), 'settings page, dark').toEqual([]);
      await page.setViewportSize({ width: 375, height: 800 });
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);
      expect(await accessibilityViolations(page), 'settings page, 375 px, dark').toEqual([]);
      expect(recorded.pageErrors).toEqual([]);
      expect(await recorded.violations()).toEqual([]);
    } finally {
      await recorded.context.close();
    }
  });

  it.skipIf(!hasBackend)('a read-only operator sees the workspace and its role, and is told the rest is for admins', async () => {
    const { t } = run;
    const email = 'settings.reader@example.com';
    await t.server.services.operators.createFromCli({ email, password: NEW_PASSWORD, workspaceId: t.workspaceId, role: 'read_only' });
    const recorded = await openPage(run);
    const { page } = recorded;
    const operations: string[] = [];
    page.on('request', (request) => operations.push(new URL(request.url()).pathname));
    try {
      await page.goto(`${run.origin}/dashboard/sign-in`);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill(NEW_PASSWORD);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await enrolMfa(run, page);
      await page.getByRole('link', { name: 'Settings' }).click();

      const workspace = page.getByRole('region', { name: 'Workspace' });
      await workspace.getByText('Read-only').waitFor();
      await page.getByText('Only admins of this workspace see and manage operators, the vault and the nodes.').waitFor();
      expect(await page.getByRole('region', { name: 'Operators', exact: true }).count()).toBe(0);
      // Nothing asked that the server would refuse this role.
      for (const operation of ['dashboard.listOperators', 'dashboard.getVaultStatus', 'dashboard.listNodes']) {
        expect(operations).not.toContain(`/v2/${operation}`);
      }
      expect(operations).toContain('/v2/dashboard.getWorkspaceSettings');
      expect(await accessibilityViolations(page), 'settings page, read-only').toEqual([]);
    } finally {
      await recorded.context.close();
    }
  });
});
