import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { until } from '../poll.js';
import { runSql } from '../raw-sql.js';
import { accessibilityViolations, backendAvailable, openPage, startDashboard } from './harness.js';
import { setUpFirstOperator } from './operator.js';

/**
 * The Audit log page in chromium (issue 15, part 2): changes made through the API appear newest first; each filter
 * narrows the list exactly as audit.listLogs does with the same filter; a record's detail shows its actor, resources,
 * address, user agent and request id; both exports, downloaded, hold every record of the filter (JSON lines as the API
 * answers them, CSV that parses back to the same values, with cells a spreadsheet would run as formulas neutralised);
 * the chain is intact, and after a record is changed in the database the page shows where it breaks.
 */

const run = await startDashboard();
const hasBackend = await backendAvailable(run.t);
afterAll(async () => {
  await run.close();
});

interface AuditRecord {
  id: string;
  event: string;
  time: number;
  actor: { type: string; id: string; name?: string };
  description: string;
  resources: { type: string; id: string; name?: string }[];
  sourceIp?: string;
  userAgent?: string;
  requestId?: string;
}

/** Every record audit.listLogs answers for `filter`, newest first, read a page at a time. */
async function allRecords(filter: object = {}): Promise<AuditRecord[]> {
  const records: AuditRecord[] = [];
  let cursor: string | undefined;
  do {
    const res = await run.t.call('audit.listLogs', { ...filter, order: 'desc', ...(cursor ? { cursor } : {}) });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    records.push(...res.body.data);
    cursor = res.body.pagination.hasMore ? res.body.pagination.cursor : undefined;
  } while (cursor);
  return records;
}

/** An RFC 4180 reader, written here so the page's CSV is checked by code that does not share the page's writer. */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quoted) {
      if (char === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (char === '"') quoted = false;
      else cell += char;
    } else if (char === '"' && cell === '') quoted = true;
    else if (char === ',') {
      row.push(cell);
      cell = '';
    } else if (char === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += char;
  }
  expect(quoted, 'the CSV ends inside a quoted cell').toBe(false);
  expect(cell === '' && row.length === 0, 'the CSV ends with CRLF').toBe(true);
  return rows;
}

/** The Unix ms `ms` as a datetime-local input's value in the browser's own time zone, to the second. */
const localInputValue = (page: Page, ms: number) =>
  page.evaluate((time) => {
    const d = new Date(time);
    const two = (n: number) => String(n).padStart(2, '0');
    return `${d.getFullYear()}-${two(d.getMonth() + 1)}-${two(d.getDate())}T${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  }, ms);

describe('the Audit log page', { timeout: 400_000 }, () => {
  it.skipIf(!hasBackend)('lists, filters, shows, exports and verifies the audit log, and shows a tampered chain', async () => {
    const { t } = run;
    const recorded = await openPage(run);
    const { page } = recorded;
    const table = page.getByRole('region', { name: 'Audit records table' });
    /** The record ids in the table, top to bottom (each row's Details button names its record). */
    const shownIds = async () =>
      (await table.getByRole('button', { name: /^Details of record / }).allTextContents()).map((text) =>
        text.replace(/^Details of record /, ''),
      );
    const expectShown = async (expected: AuditRecord[], what: string) => {
      const ids = expected.map((r) => r.id);
      if (ids.length === 0) {
        await page.getByText('No record matches these filters.').waitFor();
      } else {
        await until(async () => JSON.stringify(await shownIds()) === JSON.stringify(ids), what, { deadlineMs: 60_000 });
      }
    };
    const apply = async (fields: Record<string, string>) => {
      await page.getByRole('button', { name: 'Clear filters' }).click();
      for (const [label, value] of Object.entries(fields)) await page.getByLabel(label, { exact: true }).fill(value);
      await page.getByRole('button', { name: 'Apply filters' }).click();
    };
    try {
      // Sign in as the first operator (as keys.test.ts does): setup, MFA enrolment, recovery codes.
      await setUpFirstOperator(run, page, 'audit.operator@example.com');

      // Changes through the API, a minute apart, with values a spreadsheet would run as formulas and text CSV must quote.
      t.clock.advance(60_000);
      const firstAt = t.clock.now();
      const audited = await t.call(
        'apis.createApi',
        { name: 'audited api' },
        { headers: { 'user-agent': '=HYPERLINK("http://x.example")' } },
      );
      expect(audited.status).toBe(200);
      const auditedApiId = audited.body.data.apiId as string;
      t.clock.advance(60_000);
      const secondAt = t.clock.now();
      const formulaKey = await t.call('rootKeys.createRootKey', { name: '=SUM(1+1)', permissions: ['api.*.create_api'] });
      expect(formulaKey.status).toBe(200);
      const formulaKeyId = formulaKey.body.data.rootKeyId as string;
      const byFormulaKey = await t.call(
        'apis.createApi',
        { name: 'made by a formula' },
        { rootKey: formulaKey.body.data.key, headers: { 'user-agent': '@evil, "quoted"' } },
      );
      expect(byFormulaKey.status).toBe(200);
      t.clock.advance(60_000);
      const role = await t.call('permissions.createRole', { name: 'line one\nline "two", three' }, { headers: { 'user-agent': '+1 -2' } });
      expect(role.status, JSON.stringify(role.body)).toBe(200);
      t.clock.advance(60_000);
      // 100 more, so the list needs Load more (50 a page) and an export more than one page of the API (100).
      for (let made = 0; made < 100; made += 20) {
        await Promise.all(
          Array.from({ length: 20 }, (_, i) => t.call('apis.createApi', { name: `bulk ${String(made + i).padStart(3, '0')}` })),
        );
      }
      const everything = await allRecords();
      expect(everything.length).toBeGreaterThan(100);

      // The page, from the navigation: newest first, 50 at a time.
      await page.getByRole('navigation', { name: 'Sections' }).getByRole('link', { name: 'Audit log' }).click();
      await page.getByRole('heading', { name: 'Audit log', level: 1 }).waitFor();
      expect(new URL(page.url()).pathname).toBe('/dashboard/audit');
      await expectShown(everything.slice(0, 50), 'the newest 50 records');
      await page.getByRole('button', { name: 'Load more' }).click();
      await expectShown(everything.slice(0, 100), 'the newest 100 records');
      await page.getByRole('button', { name: 'Load more' }).click();
      await expectShown(everything, 'every record');
      expect(await page.getByRole('button', { name: 'Load more' }).count()).toBe(0);
      const newest = table.getByRole('row').nth(1);
      expect(await newest.getByRole('cell').nth(1).textContent()).toBe(everything[0]!.event);

      // The chain: intact, every record counted, the head's hash shown.
      const chain = page.getByRole('region', { name: 'Chain verification' });
      const intact = await t.call('audit.verifyChain', {});
      expect(intact.body.data).toEqual({ checked: expect.any(Number), headHash: expect.stringMatching(/^[0-9a-f]{64}$/) });
      await chain.getByText(`all ${intact.body.data.checked.toLocaleString('en-US')} records fit the chain`).waitFor();
      await chain.getByText(intact.body.data.headHash).waitFor();

      // Filters, each compared with the API's own answer to the same filter.
      await apply({ 'Actor id': formulaKeyId });
      await expectShown(await allRecords({ actorId: formulaKeyId }), 'the formula key’s records');
      expect(await shownIds()).toHaveLength(1);
      await apply({ Event: 'role.create' });
      const roleRecords = await allRecords({ events: ['role.create'] });
      expect(roleRecords).toHaveLength(1);
      await expectShown(roleRecords, 'the role.create record');
      await apply({ 'Resource id': auditedApiId });
      await expectShown(await allRecords({ resourceId: auditedApiId }), 'the audited API’s records');
      await apply({ From: await localInputValue(page, secondAt), To: await localInputValue(page, secondAt) });
      const second = await allRecords({ since: secondAt, until: secondAt + 999 });
      expect(second.map((r) => r.event).sort()).toEqual(['api.create', 'rootKey.create']);
      await expectShown(second, 'the records of the second minute');
      await apply({ Event: 'api.create', From: await localInputValue(page, firstAt), To: await localInputValue(page, secondAt) });
      const bothApis = await allRecords({ events: ['api.create'], since: firstAt, until: secondAt + 999 });
      expect(bothApis.map((r) => r.id).sort()).toEqual(
        [auditedApiId, byFormulaKey.body.data.apiId]
          .map((apiId) => everything.find((r) => r.event === 'api.create' && r.resources.some((res) => res.id === apiId))!.id)
          .sort(),
      );
      await expectShown(bothApis, 'the two API creations of the first two minutes');
      // An answer to a load that a newer one replaced is dropped: the unfiltered list (asked for by "Clear filters") is
      // held back until after the filtered one has arrived, and must not replace it when it comes.
      const isUnfiltered = (body: string | null) => {
        const sent = JSON.parse(body ?? '{}') as Record<string, unknown>;
        return ['events', 'actorId', 'resourceId', 'since', 'until', 'cursor'].every((field) => sent[field] === undefined);
      };
      await page.route('**/v2/audit.listLogs', async (route) => {
        if (isUnfiltered(route.request().postData())) await new Promise((resolve) => setTimeout(resolve, 1_500));
        await route.continue();
      });
      const lateAnswer = page.waitForResponse(
        (response) => response.url().endsWith('/v2/audit.listLogs') && isUnfiltered(response.request().postData()),
      );
      await apply({ Event: 'role.create' });
      await expectShown(roleRecords, 'the role.create record, before the late answer');
      await lateAnswer;
      // Time for the page to take the late answer in, had it still wanted it (a negative cannot be waited for).
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(await shownIds()).toEqual([roleRecords[0]!.id]);
      await page.unroute('**/v2/audit.listLogs');
      await apply({ Event: 'no.such.event' });
      await expectShown([], 'nothing');
      // Input the server refuses: its own detail is shown, and the list is not.
      const refused = await t.call('audit.listLogs', { actorId: 'not an id', order: 'desc', limit: 50 });
      expect(refused.status).toBe(400);
      await apply({ 'Actor id': 'not an id' });
      await page.getByRole('alert').getByText(refused.body.error.detail, { exact: true }).waitFor();
      expect(await table.count()).toBe(0);

      // A record in full: the API key with a formula for a name, its resource, address, agent and request.
      await apply({ 'Actor id': formulaKeyId });
      await expectShown(await allRecords({ actorId: formulaKeyId }), 'the formula key’s record');
      const [formulaRecord] = await allRecords({ actorId: formulaKeyId });
      await table.getByRole('button', { name: /^Details of record / }).click();
      const dialog = page.getByRole('dialog', { name: 'Audit record api.create' });
      await dialog.waitFor();
      const detail = (await dialog.locator('dl').textContent())!.replace(/\s+/g, ' ');
      for (const text of [
        formulaRecord!.id,
        '=SUM(1+1) (root_key',
        formulaKeyId,
        formulaRecord!.description,
        `api ${byFormulaKey.body.data.apiId} (made by a formula)`,
        '127.0.0.1',
        '@evil, "quoted"',
        byFormulaKey.body.meta.requestId,
      ]) {
        expect(detail).toContain(text);
      }
      expect(await accessibilityViolations(page), 'record detail').toEqual([]);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      // Focus is back on the button that opened it.
      expect(await page.evaluate(() => document.activeElement?.textContent)).toBe(`Details of record ${formulaRecord!.id}`);

      // The operator's own sign-in is audited with its email and the browser's address and user agent.
      await apply({ Event: 'operator.mfa_enrol' });
      const [enrol] = await allRecords({ events: ['operator.mfa_enrol'] });
      expect(enrol).toMatchObject({ actor: { type: 'operator', name: 'audit.operator@example.com' }, sourceIp: '127.0.0.1' });
      expect(enrol!.userAgent).toBe(await page.evaluate(() => navigator.userAgent));
      await expectShown([enrol!], 'the enrolment record');
      await table.getByRole('button', { name: /^Details of record / }).click();
      const enrolText = await page.getByRole('dialog').locator('dl').textContent();
      expect(enrolText).toContain('audit.operator@example.com');
      expect(enrolText).toContain(enrol!.userAgent!);
      await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();

      // Export JSON lines of a filter with more records than one page of the API: every one, as the API answers it.
      await apply({ Event: 'api.create' });
      const apiCreations = await allRecords({ events: ['api.create'] });
      expect(apiCreations.length).toBe(102);
      const [jsonDownload] = await Promise.all([
        page.waitForEvent('download'),
        page.getByRole('button', { name: 'Export JSON lines' }).click(),
      ]);
      expect(jsonDownload.suggestedFilename()).toMatch(new RegExp(`^keyward-audit-${t.workspaceId}-.*\\.jsonl$`));
      const lines = readFileSync((await jsonDownload.path())!, 'utf8').split('\n');
      expect(lines.pop()).toBe('');
      expect(lines.map((line) => JSON.parse(line))).toEqual(apiCreations);
      await page.getByText('Exported 102 records.').waitFor();

      // Export CSV of everything: it parses back to the API's values, formula cells prefixed with an apostrophe.
      await page.getByRole('button', { name: 'Clear filters' }).click();
      await expectShown(everything.slice(0, 50), 'the unfiltered list again');
      const [csvDownload] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export CSV' }).click()]);
      expect(csvDownload.suggestedFilename()).toMatch(/\.csv$/);
      const [header, ...rows] = parseCsv(readFileSync((await csvDownload.path())!, 'utf8'));
      expect(header).toEqual([
        'id',
        'time',
        'event',
        'actor_type',
        'actor_id',
        'actor_name',
        'description',
        'resources',
        'source_ip',
        'user_agent',
        'request_id',
      ]);
      const neutral = (value: string) => (/^[=+\-@\t\r]/.test(value) ? `'${value}` : value);
      expect(rows).toEqual(
        everything.map((r) =>
          [
            r.id,
            new Date(r.time).toISOString(),
            r.event,
            r.actor.type,
            r.actor.id,
            r.actor.name ?? '',
            r.description,
            JSON.stringify(r.resources),
            r.sourceIp ?? '',
            r.userAgent ?? '',
            r.requestId ?? '',
          ].map(neutral),
        ),
      );
      const cells = (id: string) => rows.find((row) => row[0] === id)!;
      const roleRow = cells(roleRecords[0]!.id);
      expect(roleRow[6]).toContain('line one\nline "two", three');
      expect(roleRow[9]).toBe("'+1 -2");
      expect(cells(formulaRecord!.id).slice(5, 10)).toEqual([
        "'=SUM(1+1)",
        formulaRecord!.description,
        JSON.stringify(formulaRecord!.resources),
        '127.0.0.1',
        `'@evil, "quoted"`,
      ]);
      expect(cells(everything.find((r) => r.resources.some((res) => res.id === auditedApiId) && r.event === 'api.create')!.id)[9]).toBe(
        `'=HYPERLINK("http://x.example")`,
      );

      // Both themes and a phone's width: no serious accessibility violation, nothing wider than the screen.
      for (const colorScheme of ['light', 'dark'] as const) {
        await page.emulateMedia({ colorScheme });
        for (const width of [1280, 375]) {
          await page.setViewportSize({ width, height: 800 });
          expect(await accessibilityViolations(page), `audit log, ${colorScheme}, ${width} px`).toEqual([]);
          expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        }
      }

      // Someone with write access to the database changes the role's record: "Verify again" shows the break.
      await runSql(t.databaseUrl, 'UPDATE audit_logs SET description = ? WHERE id = ?', ['Nothing happened', roleRecords[0]!.id]);
      const broken = await t.call('audit.verifyChain', {});
      expect(broken.body.data.broken).toEqual({
        recordId: roleRecords[0]!.id,
        reason: 'its hash does not match its contents and the record before it: it was changed',
      });
      await chain.getByRole('button', { name: 'Verify again' }).click();
      await chain.getByText(`at record ${roleRecords[0]!.id}`).waitFor();
      const brokenText = (await chain.textContent())!.replace(/\s+/g, ' ');
      expect(brokenText).toContain('its hash does not match its contents and the record before it: it was changed');
      expect(brokenText).toContain(`${broken.body.data.checked.toLocaleString('en-US')} records before it are intact`);
      expect(brokenText).toContain(broken.body.data.headHash);
      expect(await accessibilityViolations(page), 'audit log, chain broken, dark, 375 px').toEqual([]);

      // Nothing left the origin (the exports are Blob URLs of this page), no CSP violation, no script error.
      for (const url of recorded.requests)
        expect(url.startsWith(`${run.origin}/`) || url.startsWith(`blob:${run.origin}/`), url).toBe(true);
      expect(await recorded.violations()).toEqual([]);
      expect(recorded.pageErrors).toEqual([]);
    } finally {
      await recorded.context.close();
    }
  });
});
