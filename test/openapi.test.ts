import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DASHBOARD_ROUTES } from '../src/http/routes/dashboard/index.js';
import { ROUTES } from '../src/http/routes/index.js';
import { startTestServer, type TestServer } from './harness.js';

/**
 * openapi.json is committed so readers and client generators need no running server. This test fails
 * when the committed file drifts from what the server serves; `npm run openapi` rewrites it.
 */
const FILE = new URL('../openapi.json', import.meta.url);
const WRITE = process.env.KEYWARD_WRITE_OPENAPI === '1';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t.close();
});

it('the committed openapi.json matches the served document', async () => {
  const served = (await t.server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const text = `${JSON.stringify(served, null, 2)}\n`;
  if (WRITE) writeFileSync(FILE, text);
  expect(existsSync(FILE), 'openapi.json is missing: run `npm run openapi`').toBe(true);
  expect(readFileSync(FILE, 'utf8'), 'openapi.json is out of date: run `npm run openapi` and commit it').toBe(text);
  for (const route of [...ROUTES, ...DASHBOARD_ROUTES]) expect(served.paths[`/v2/${route.operation}`]?.post, route.operation).toBeDefined();
});

it('error responses are typed per status through two shared envelopes, which keeps openapi.json small', () => {
  const doc = JSON.parse(readFileSync(FILE, 'utf8'));
  const SHARED = ['BadRequestErrorEnvelope', 'ErrorEnvelope'];
  const base = doc.components.schemas.ErrorEnvelope;
  expect(base.required).toEqual(['meta', 'error']);
  expect(base.properties.error.required).toEqual(['title', 'detail', 'status', 'type']);
  // A 400 always carries `errors` (possibly empty), each entry with where and what, as upstream's BadRequestErrorResponse.
  const badRequest = doc.components.schemas.BadRequestErrorEnvelope;
  expect(badRequest.required).toEqual(['meta', 'error']);
  expect(badRequest.properties.error.required).toEqual(['title', 'detail', 'status', 'type', 'errors']);
  expect(badRequest.properties.error.properties.errors.items.required).toEqual(['location', 'message']);
  expect(Object.keys(badRequest.properties.error.properties.errors.items.properties)).toEqual(['location', 'message', 'fix']);
  const counts: Record<string, number> = {};
  for (const [path, item] of Object.entries<any>(doc.paths)) {
    for (const [method, operation] of Object.entries<any>(item)) {
      for (const [status, response] of Object.entries<any>(operation.responses)) {
        if (!/^[45]\d\d$/.test(status)) continue;
        const name = status === '400' ? 'BadRequestErrorEnvelope' : 'ErrorEnvelope';
        expect(response.content['application/json'].schema, `${method} ${path} ${status}`).toEqual({
          $ref: `#/components/schemas/${name}`,
        });
        counts[name] = (counts[name] ?? 0) + 1;
      }
    }
  }
  // Every operation declares a 400 and at least one other error status; so does POST /v2/leaks.report (http/leak-reports.ts).
  expect(counts.BadRequestErrorEnvelope).toBe(ROUTES.length + DASHBOARD_ROUTES.length + 1);
  expect(counts.ErrorEnvelope).toBeGreaterThan(ROUTES.length + DASHBOARD_ROUTES.length);
  // Nothing else inlines an envelope: the two components are the only schemas with both `meta` and `error`.
  const inlined: string[] = [];
  const visit = (node: unknown, at: string): void => {
    if (node === null || typeof node !== 'object') return;
    const properties = (node as { properties?: Record<string, unknown> }).properties;
    const shared = SHARED.some((name) => at === `#/components/schemas/${name}`);
    if (properties && 'meta' in properties && 'error' in properties && !shared) inlined.push(at);
    for (const [key, value] of Object.entries(node)) visit(value, `${at}/${key}`);
  };
  visit(doc, '#');
  expect(inlined).toEqual([]);
  // About 500 KB with the shared envelopes, the chart operations, the thirteen dashboard.*, the six webhooks.*,
  // rootKeys.rerollRootKey and the key lifetime fields (956 KB when every error response inlined one, at 326 KB without
  // charts and dashboard): the bound leaves room for a few operations, not for envelopes inlined again.
  expect(statSync(FILE).size).toBeLessThan(500_000);
});
