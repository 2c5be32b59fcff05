import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ROUTES } from '../src/http/routes/index.js';
import { startTestServer, type TestServer } from './harness.js';

/**
 * openapi.json is committed so readers and client generators need no running server. This test fails
 * when the committed file drifts from what the server serves; `npm run openapi` rewrites it.
 */
const FILE = new URL('../openapi.json', import.meta.url);
const WRITE = process.env.KEYWARD_WRITE_OPENAPI === '1';

let t: TestServer;
beforeAll(async () => { t = await startTestServer(); });
afterAll(async () => { await t.close(); });

it('the committed openapi.json matches the served document', async () => {
  const served = (await t.server.app.inject({ method: 'GET', url: '/openapi.json' })).json();
  const text = `${JSON.stringify(served, null, 2)}\n`;
  if (WRITE) writeFileSync(FILE, text);
  expect(existsSync(FILE), 'openapi.json is missing: run `npm run openapi`').toBe(true);
  expect(readFileSync(FILE, 'utf8'), 'openapi.json is out of date: run `npm run openapi` and commit it').toBe(text);
  for (const route of ROUTES) expect(served.paths[`/v2/${route.operation}`]?.post, route.operation).toBeDefined();
});
