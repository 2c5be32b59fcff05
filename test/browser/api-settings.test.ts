import { Unkey } from '@unkey/api';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../poll.js';
import { masterKey } from '../vault-fixtures.js';
import { accessibilityViolations, backendAvailable, startDashboard } from './harness.js';
import { callAsOperator, operatorPage } from './operator.js';

/**
 * An API's settings page in chromium (issue 15, part 2): reached from the API's row and from its keys, it changes each
 * setting through apiSettings.updateSettings (only what changed is sent), and each change is checked in the server's
 * state and in behaviour, with the real `@unkey/api` client: a key made without a prefix gets the default one, an IP
 * whitelist without 127.0.0.1 makes this machine's verification FORBIDDEN, delete protection makes the APIs page show
 * the server's refusal; with encrypted storage on, a recoverable key can be made; the leak policy is sent only when changed. An invalid CIDR shows the server's
 * message and changes nothing, as does encrypted storage on a server without a vault; a read-only operator sees the
 * values without controls, and the server refuses its change anyway.
 */

// A server with a vault, so encrypted key storage can be turned on; the last case starts one without.
const run = await startDashboard({ env: { KEYWARD_MASTER_KEYS: masterKey(1) } });
const hasBackend = await backendAvailable(run.t);
afterAll(async () => {
  await run.close();
});

const settingsOf = async (apiId: string) => {
  const res = await run.t.call('apiSettings.getSettings', { apiId });
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body.data as Record<string, unknown>;
};

describe('the API settings page', { timeout: 400_000 }, () => {
  it.skipIf(!hasBackend)('changes every setting, checked in the server and in behaviour; refusals shown; 375 px, both themes', async () => {
    const { t } = run;
    const unkey = new Unkey({ rootKey: t.rootKey, serverURL: run.origin, retryConfig: { strategy: 'none' } });
    const { data: made } = await unkey.apis.createApi({ name: 'settings api' });
    const apiId = made.apiId;
    const recorded = await operatorPage(run, 'admin');
    const { page } = recorded;
    const updates: Record<string, unknown>[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/v2/apiSettings.updateSettings') updates.push(JSON.parse(request.postData() ?? '{}'));
    });
    const save = () => page.getByRole('button', { name: 'Save settings' }).click();
    const saved = () => page.getByRole('status').getByText('Settings saved.').waitFor();
    try {
      // From the API's row to its settings; to its keys and back by the API's own navigation.
      await page.goto(`${run.origin}/dashboard/apis`);
      await page.getByRole('link', { name: 'Settings of API settings api' }).click();
      await page.getByRole('heading', { name: 'API settings', level: 1 }).waitFor();
      expect(new URL(page.url()).pathname).toBe(`/dashboard/apis/${apiId}/settings`);
      const apiNav = page.getByRole('navigation', { name: 'API settings api' });
      expect(await apiNav.getByRole('link', { name: 'Settings' }).getAttribute('aria-current')).toBe('page');
      await apiNav.getByRole('link', { name: 'Keys' }).click();
      await page.getByRole('heading', { name: 'Keys', level: 1 }).waitFor();
      expect(await apiNav.getByRole('link', { name: 'Keys' }).getAttribute('aria-current')).toBe('page');
      await apiNav.getByRole('link', { name: 'Settings' }).click();
      await page.getByRole('heading', { name: 'API settings', level: 1 }).waitFor();

      // What the server holds: everything off or unset.
      const protection = page.getByLabel('Delete protection');
      const encrypted = page.getByLabel('Store keys encrypted (recoverable keys)');
      const whitelist = page.getByLabel('IP whitelist');
      const prefix = page.getByLabel('Default prefix');
      const byteLength = page.getByLabel('Default byte length');
      await until(async () => (await prefix.count()) === 1, 'the settings form');
      expect(await protection.isChecked()).toBe(false);
      expect(await encrypted.isChecked()).toBe(false);
      expect(await whitelist.inputValue()).toBe('');
      expect(await prefix.inputValue()).toBe('');
      expect(await byteLength.inputValue()).toBe('');
      await page.getByText('KEYWARD_MASTER_KEYS').first().waitFor();

      // Nothing changed: nothing is sent.
      await save();
      await page.getByRole('status').getByText('Nothing changed.').waitFor();
      expect(updates).toEqual([]);

      // An invalid CIDR with another change: the server's own message, and nothing changed.
      const refused = await t.call('apiSettings.updateSettings', { apiId, ipWhitelist: ['10.0.0.0/8', '10.0.0.0/33'] });
      expect(refused.status).toBe(400);
      await protection.check();
      await whitelist.fill('10.0.0.0/8\n10.0.0.0/33');
      await save();
      await page.getByRole('alert').getByText(refused.body.error.detail, { exact: true }).waitFor();
      expect(updates).toEqual([{ apiId, deleteProtection: true, ipWhitelist: ['10.0.0.0/8', '10.0.0.0/33'] }]);
      expect(await settingsOf(apiId)).toEqual({
        apiId,
        name: 'settings api',
        deleteProtection: false,
        storeEncryptedKeys: false,
        keyFormat: 'checksummed',
      });

      // Every setting at once, blank lines and spaces ignored.
      await whitelist.fill(' 10.0.0.0/8\n\n::1 \n');
      await encrypted.check();
      await prefix.fill('acme');
      await byteLength.fill('32');
      await save();
      await saved();
      expect(updates.at(-1)).toEqual({
        apiId,
        deleteProtection: true,
        storeEncryptedKeys: true,
        ipWhitelist: ['10.0.0.0/8', '::1'],
        defaultPrefix: 'acme',
        defaultByteLength: 32,
      });
      expect(await settingsOf(apiId)).toEqual({
        apiId,
        name: 'settings api',
        deleteProtection: true,
        storeEncryptedKeys: true,
        ipWhitelist: ['10.0.0.0/8', '::1'],
        defaultPrefix: 'acme',
        defaultByteLength: 32,
        keyFormat: 'checksummed',
      });
      // The form now shows what the server answered.
      expect(await whitelist.inputValue()).toBe('10.0.0.0/8\n::1');

      // Behaviour: a key made without a prefix gets the default; 127.0.0.1 is not listed, so its verification is refused.
      const { data: key } = await unkey.keys.createKey({ apiId });
      expect(key.key.startsWith('acme_')).toBe(true);
      // Encrypted storage is on: a recoverable key is made and read back.
      const { data: recoverable } = await unkey.keys.createKey({ apiId, recoverable: true });
      expect((await unkey.keys.getKey({ keyId: recoverable.keyId, decrypt: true })).data.plaintext).toBe(recoverable.key);
      expect((await unkey.keys.verifyKey({ key: key.key })).data).toMatchObject({ valid: false, code: 'FORBIDDEN' });

      // Only what changed is sent: 127.0.0.1 added to the whitelist.
      await whitelist.fill('10.0.0.0/8\n::1\n127.0.0.1');
      await save();
      await saved();
      expect(updates.at(-1)).toEqual({ apiId, ipWhitelist: ['10.0.0.0/8', '::1', '127.0.0.1'] });
      expect((await unkey.keys.verifyKey({ key: key.key })).data).toMatchObject({ valid: true, code: 'VALID' });
      expect(key.key).toMatch(/^acme_kw0[0-9A-Za-z]+$/);

      // The key format: base58 makes Unkey-format keys, then back to checksummed; only the format is sent each time.
      const keyFormat = page.getByLabel('Key format');
      expect(await keyFormat.inputValue()).toBe('checksummed');
      await keyFormat.selectOption('base58');
      await save();
      await saved();
      expect(updates.at(-1)).toEqual({ apiId, keyFormat: 'base58' });
      expect((await unkey.keys.createKey({ apiId })).data.key).toMatch(/^acme_[1-9A-HJ-NP-Za-km-z]+$/);
      await keyFormat.selectOption('checksummed');
      await save();
      await saved();
      expect(updates.at(-1)).toEqual({ apiId, keyFormat: 'checksummed' });

      // The leak policy: "report" only records a leaked key; back to the default, "disable"; only the policy is sent.
      const leakPolicy = page.getByLabel('Leak policy');
      expect(await leakPolicy.inputValue()).toBe('disable');
      await leakPolicy.selectOption('report');
      await save();
      await saved();
      expect(updates.at(-1)).toEqual({ apiId, leakPolicy: 'report' });
      expect(await settingsOf(apiId)).toMatchObject({ leakPolicy: 'report' });
      expect(await leakPolicy.inputValue()).toBe('report');
      await leakPolicy.selectOption('disable');
      await save();
      await saved();
      expect(updates.at(-1)).toEqual({ apiId, leakPolicy: 'disable' });
      expect(await settingsOf(apiId)).not.toHaveProperty('leakPolicy');

      // Accessibility and a phone's width, in both themes, with the form filled in.
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        for (const width of [1280, 375]) {
          await page.setViewportSize({ width, height: 800 });
          expect(await accessibilityViolations(page), `API settings, ${colorScheme}, ${width} px`).toEqual([]);
          expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        }
      }
      await page.setViewportSize({ width: 1280, height: 800 });

      // Delete protection: the APIs page shows the server's refusal, and the API stays.
      const protectedDelete = await t.call('apis.deleteApi', { apiId });
      expect(protectedDelete.status).toBe(412);
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'APIs' }).click();
      await page.getByRole('button', { name: 'Delete API settings api' }).click();
      const dialog = page.getByRole('dialog', { name: 'Delete API settings api?' });
      await dialog.getByRole('button', { name: 'Delete API' }).click();
      await dialog.getByRole('alert').getByText(protectedDelete.body.error.detail, { exact: true }).waitFor();
      expect((await t.call('apis.getApi', { apiId })).status).toBe(200);
      await dialog.getByRole('button', { name: 'Cancel' }).click();

      // Clearing: protection off, no whitelist, no defaults; a key without a prefix has none again.
      await page.getByRole('link', { name: 'Settings of API settings api' }).click();
      await page.getByRole('heading', { name: 'API settings', level: 1 }).waitFor();
      await until(async () => (await prefix.inputValue()) === 'acme', 'the saved settings');
      await protection.uncheck();
      await encrypted.uncheck();
      await whitelist.fill('');
      await prefix.fill('');
      await byteLength.fill('');
      await save();
      await saved();
      expect(updates.at(-1)).toEqual({
        apiId,
        deleteProtection: false,
        storeEncryptedKeys: false,
        ipWhitelist: null,
        defaultPrefix: null,
        defaultByteLength: null,
      });
      expect(await settingsOf(apiId)).toEqual({
        apiId,
        name: 'settings api',
        deleteProtection: false,
        storeEncryptedKeys: false,
        keyFormat: 'checksummed',
      });
      const { data: plain } = await unkey.keys.createKey({ apiId });
      expect(plain.key.includes('_')).toBe(false);
      expect((await unkey.keys.verifyKey({ key: plain.key })).data).toMatchObject({ valid: true });

      // A byte length the server refuses: its message, nothing changed.
      const tooShort = await t.call('apiSettings.updateSettings', { apiId, defaultByteLength: 8 });
      expect(tooShort.status).toBe(400);
      await byteLength.fill('8');
      await save();
      await page.getByRole('alert').getByText(tooShort.body.error.detail, { exact: true }).waitFor();
      expect(await settingsOf(apiId)).not.toHaveProperty('defaultByteLength');

      expect(recorded.requests.every((url) => url.startsWith(`${run.origin}/`))).toBe(true);
      expect(await recorded.violations()).toEqual([]);
      expect(recorded.pageErrors).toEqual([]);
    } finally {
      await recorded.context.close();
    }
  });

  it.skipIf(!hasBackend)('a read-only operator sees the values without controls, and the server refuses its change', async () => {
    const { t } = run;
    const apiId = (await t.call('apis.createApi', { name: 'watched api' })).body.data.apiId as string;
    const set = await t.call('apiSettings.updateSettings', {
      apiId,
      deleteProtection: true,
      ipWhitelist: ['192.0.2.0/24'],
      defaultPrefix: 'watch',
      defaultByteLength: 24,
      leakPolicy: 'report',
    });
    expect(set.status).toBe(200);
    const recorded = await operatorPage(run, 'read_only', { colorScheme: 'dark', width: 375, height: 800 });
    const { page } = recorded;
    try {
      await page.goto(`${run.origin}/dashboard/apis`);
      await page.getByRole('link', { name: 'Settings of API watched api' }).click();
      await page.getByRole('heading', { name: 'API settings', level: 1 }).waitFor();
      const values = page.getByRole('region', { name: 'Current settings' });
      await values.waitFor();
      expect(await values.locator('dt').allTextContents()).toEqual([
        'Delete protection',
        'Store keys encrypted (recoverable keys)',
        'IP whitelist',
        'Default prefix',
        'Default byte length',
        'Key format',
        'Leak policy',
      ]);
      expect(await values.locator('dd').allTextContents()).toEqual([
        'On',
        'Off',
        '192.0.2.0/24',
        'watch',
        '24',
        'Checksummed',
        'Only report it',
      ]);
      expect(await page.getByRole('main').getByRole('checkbox').count()).toBe(0);
      expect(await page.getByRole('main').getByRole('textbox').count()).toBe(0);
      expect(await page.getByRole('main').getByRole('button').count()).toBe(0);
      expect(await accessibilityViolations(page), 'API settings, read-only, dark, 375 px').toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(375);

      const refused = await callAsOperator(recorded.page, 'apiSettings.updateSettings', { apiId, deleteProtection: false });
      expect(refused.status).toBe(403);
      expect(await settingsOf(apiId)).toMatchObject({ deleteProtection: true });
      expect(recorded.pageErrors).toEqual([]);
    } finally {
      await recorded.context.close();
    }
  });

  it.skipIf(!hasBackend)("without a vault, turning on encrypted storage shows the server's refusal and changes nothing", async () => {
    const bare = await startDashboard();
    const recorded = await operatorPage(bare, 'admin');
    const { page } = recorded;
    try {
      const apiId = (await bare.t.call('apis.createApi', { name: 'vaultless api' })).body.data.apiId as string;
      const refused = await bare.t.call('apiSettings.updateSettings', { apiId, storeEncryptedKeys: true });
      expect(refused.status).toBe(412);
      await page.goto(`${bare.origin}/dashboard/apis/${apiId}/settings`);
      await page.getByRole('heading', { name: 'API settings', level: 1 }).waitFor();
      await page.getByLabel('Store keys encrypted (recoverable keys)').check();
      await page.getByLabel('Default prefix').fill('bare');
      await page.getByRole('button', { name: 'Save settings' }).click();
      await page.getByRole('alert').getByText(refused.body.error.detail, { exact: true }).waitFor();
      expect((await bare.t.call('apiSettings.getSettings', { apiId })).body.data).toEqual({
        apiId,
        name: 'vaultless api',
        deleteProtection: false,
        storeEncryptedKeys: false,
        keyFormat: 'checksummed',
      });
      expect(recorded.pageErrors).toEqual([]);
    } finally {
      await recorded.context.close();
      await bare.close();
    }
  });
});
