import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { backendAvailable, openPage, startDashboard } from './harness.js';
import { setUpFirstOperator } from './operator.js';

/**
 * Screenshots of every main page of the dashboard, light and dark, at desktop and phone width, for a reviewer to look
 * at (issue 15): written to test-output/screenshots/<page>-<theme>-<width>.png (not committed; .gitignore), afresh at
 * each run. The pages hold a little of everything first (an API with a key, an identity, a namespace with an override,
 * a permission and a role, a webhook endpoint), so none is only its empty state.
 */

const OUT = fileURLToPath(new URL('../../test-output/screenshots/', import.meta.url));
const SIZES = { desktop: { width: 1280, height: 800 }, phone: { width: 375, height: 812 } } as const;
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const run = await startDashboard({ env: { KEYWARD_ANALYTICS_FLUSH_MS: '20' } });
const hasBackend = await backendAvailable(run.t);
afterAll(async () => {
  await run.close();
});

describe('screenshots of the main pages', { timeout: 300_000 }, () => {
  it.skipIf(!hasBackend)('writes each main page, light and dark, at desktop and phone width', async () => {
    const { t } = run;
    const ok = async (operation: string, body: object) => {
      const res = await t.call(operation, body);
      expect(res.status, `${operation}: ${JSON.stringify(res.body)}`).toBe(200);
      return res.body.data;
    };
    const { apiId } = await ok('apis.createApi', { name: 'payments' });
    const { keyId, key } = await ok('keys.createKey', { apiId, name: 'checkout service', externalId: 'customer_7' });
    await ok('keys.verifyKey', { key });
    const { id: identityId } = (await ok('identities.getIdentity', { identity: 'customer_7' })) as { id: string };
    await ok('ratelimit.limit', { namespace: 'sms.send', identifier: 'user_1', limit: 10, duration: 60_000 });
    await ok('ratelimit.setOverride', { namespace: 'sms.send', identifier: 'vip_*', limit: 100, duration: 60_000 });
    const [namespace] = (await ok('ratelimitNamespaces.listNamespaces', {})) as { id: string }[];
    const namespaceId = namespace!.id;
    await ok('permissions.createPermission', { name: 'Read documents', slug: 'documents.read' });
    await ok('permissions.createRole', { name: 'reader' });
    await ok('webhooks.createEndpoint', { url: 'https://hooks.example.com/keyward', description: 'alerts' });

    const pages: Record<string, { path: string; heading: string }> = {
      apis: { path: 'apis', heading: 'APIs' },
      keys: { path: `apis/${apiId}/keys`, heading: 'Keys' },
      key: { path: `apis/${apiId}/keys/${keyId}`, heading: 'Key checkout service' },
      'api-settings': { path: `apis/${apiId}/settings`, heading: 'API settings' },
      identities: { path: 'identities', heading: 'Identities' },
      identity: { path: `identities/${identityId}`, heading: 'Identity customer_7' },
      ratelimits: { path: 'ratelimits', heading: 'Rate limits' },
      namespace: { path: `ratelimits/${namespaceId}`, heading: 'Namespace sms.send' },
      permissions: { path: 'permissions', heading: 'Permissions and roles' },
      'root-keys': { path: 'root-keys', heading: 'Root keys' },
      webhooks: { path: 'webhooks', heading: 'Webhooks' },
      audit: { path: 'audit', heading: 'Audit log' },
      analytics: { path: 'analytics', heading: 'Analytics' },
      settings: { path: 'settings', heading: 'Settings' },
    };

    rmSync(OUT, { recursive: true, force: true });
    mkdirSync(OUT, { recursive: true });
    const recorded = await openPage(run);
    const { page } = recorded;
    await recorded.context.clock.install({ time: t.clock.now() });
    const written: string[] = [];
    try {
      await setUpFirstOperator(run, page, 'screenshots@example.com');
      for (const [name, { path, heading }] of Object.entries(pages)) {
        await page.goto(`${run.origin}/dashboard/${path}`);
        await page.getByRole('heading', { name: heading, exact: true, level: 1 }).waitFor();
        // Whatever the page loads after its heading (lists, charts) has arrived once nothing is loading any more.
        await page.waitForLoadState('networkidle');
        for (const theme of ['light', 'dark'] as const) {
          for (const [size, viewport] of Object.entries(SIZES)) {
            await page.emulateMedia({ colorScheme: theme });
            await page.setViewportSize(viewport);
            const file = join(OUT, `${name}-${theme}-${size}.png`);
            await page.screenshot({ path: file, fullPage: true });
            written.push(file);
          }
        }
      }
    } finally {
      await recorded.context.close();
    }
    expect(written).toHaveLength(Object.keys(pages).length * 4);
    for (const file of written) {
      const png = readFileSync(file);
      expect(png.subarray(0, 8).equals(PNG_SIGNATURE), file).toBe(true);
      expect(png.length, file).toBeGreaterThan(5_000);
    }
    expect(recorded.pageErrors).toEqual([]);
  });
});
