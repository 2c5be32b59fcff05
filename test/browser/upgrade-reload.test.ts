import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DASHBOARD_DIR, ensureDashboardBuilt, startDashboard } from './harness.js';
import { operatorPage } from './operator.js';

/**
 * A dashboard tab left open across an upgrade (web/src/page-chunk.ts): its pages' chunks are named by content hash and
 * an upgrade replaces them all, so the first page it had not visited yet asks for a file that is gone. The server here
 * serves a copy of the built dashboard, which the test "upgrades" in place as a new build would: every hashed file
 * renamed, every reference to it rewritten. The tab reloads once, gets the new index.html and chunks, and shows the
 * page. A chunk that is still missing after that reload shows a message with a Reload button instead of reloading again.
 */

await ensureDashboardBuilt();
const dir = mkdtempSync(join(tmpdir(), 'keyward-dashboard-'));
cpSync(DASHBOARD_DIR, dir, { recursive: true });
const run = await startDashboard({ env: { KEYWARD_DASHBOARD_DIR: dir } });
afterAll(async () => {
  await run.close();
  rmSync(dir, { recursive: true, force: true });
});

const assets = join(dir, 'assets');
/** The built files, precompressed copies aside (web/precompress.ts): a new build would write new ones. */
const builtFiles = () => readdirSync(assets).filter((name) => !name.endsWith('.br') && !name.endsWith('.gz'));
/** The text files that name the others: index.html and every script and style sheet. */
const textFiles = () => ['index.html', ...builtFiles().map((name) => `assets/${name}`)].filter((path) => /\.(html|js|css)$/.test(path));

/** What a new build does to the directory: every hashed file gets a new name, and every file names the new ones. */
function upgrade(): void {
  for (const name of readdirSync(assets)) if (name.endsWith('.br') || name.endsWith('.gz')) rmSync(join(assets, name));
  const renames = builtFiles().map((name) => [name, name.replace(/(-[\w-]{8})\.(js|css)$/, '$1u.$2')] as const);
  for (const path of textFiles()) {
    let text = readFileSync(join(dir, path), 'utf8');
    for (const [from, to] of renames) text = text.replaceAll(from, to);
    writeFileSync(join(dir, path), text);
  }
  for (const [from, to] of renames) renameSync(join(assets, from), join(assets, to));
}

/** The one file of a page's chunk, named `<page>-<hash>.js`. */
const chunkOf = (page: string) => builtFiles().find((name) => name.startsWith(`${page}-`) && name.endsWith('.js'))!;

/** index.html written again unchanged: the server reads the directory again (src/http/dashboard-site-files.ts). */
const touchIndex = () => writeFileSync(join(dir, 'index.html'), readFileSync(join(dir, 'index.html')));

describe('a tab left open across an upgrade', { timeout: 300_000 }, () => {
  it('reloads once to load a page whose chunk is gone; a chunk missing still says so, with a Reload button', async () => {
    const { page, consoleErrors } = await operatorPage(run, 'admin');
    const documents: string[] = [];
    page.on('load', () => documents.push(page.url()));
    const missing: string[] = [];
    page.on('response', (response) => {
      if (response.status() === 404) missing.push(new URL(response.url()).pathname);
    });
    const nav = page.getByRole('navigation', { name: 'Sections' });
    /** A mark in the document's window: gone once the page has reloaded. */
    const mark = () => page.evaluate(() => Object.assign(window, { keywardTestMark: true }));
    const marked = () => page.evaluate(() => 'keywardTestMark' in window);

    await page.goto(`${run.origin}/dashboard/apis`);
    await page.getByRole('heading', { name: 'APIs', exact: true }).waitFor();
    await mark();
    const oldWebhooks = chunkOf('WebhooksPage');
    const loadsBefore = documents.length;

    upgrade();
    expect(chunkOf('WebhooksPage')).not.toBe(oldWebhooks);
    await nav.getByRole('link', { name: 'Webhooks' }).click();
    await page.getByRole('heading', { name: 'Webhooks', level: 1 }).waitFor();
    expect(missing).toContain(`/dashboard/assets/${oldWebhooks}`);
    // Reloaded, once, at the page asked for.
    expect(await marked()).toBe(false);
    expect(documents.slice(loadsBefore)).toEqual([`${run.origin}/dashboard/webhooks`]);

    // A chunk gone with no new build to replace it (the server's files broken): one reload, then the message.
    const auditChunk = chunkOf('AuditLogPage');
    renameSync(join(assets, auditChunk), join(dir, auditChunk));
    touchIndex();
    // As if the reload above had been long ago.
    await page.evaluate(() => sessionStorage.clear());
    await mark();
    const loadsBeforeAudit = documents.length;
    await nav.getByRole('link', { name: 'Audit log' }).click();
    const failed = page.getByRole('alert').filter({ hasText: 'This page could not be loaded.' });
    await failed.waitFor();
    expect(await marked()).toBe(false);
    expect(documents.slice(loadsBeforeAudit)).toEqual([`${run.origin}/dashboard/audit`]);
    // No second reload: the message stays, the navigation with it.
    await page.waitForTimeout(1_000);
    expect(documents.length).toBe(loadsBeforeAudit + 1);
    expect(await failed.isVisible()).toBe(true);
    expect(await nav.getByRole('link', { name: 'APIs' }).isVisible()).toBe(true);

    // The file back; the button reloads and the page shows.
    renameSync(join(dir, auditChunk), join(assets, auditChunk));
    touchIndex();
    await page.getByRole('button', { name: 'Reload' }).click();
    await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
    expect(documents.length).toBe(loadsBeforeAudit + 2);
    // The only errors the browser logged are the chunks that were gone.
    expect(
      consoleErrors.every((line) => /404|dynamically imported module|could not be loaded/.test(line)),
      consoleErrors.join('\n'),
    ).toBe(true);
  });
});
