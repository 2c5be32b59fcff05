import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { useTestServer } from '../../test/per-file-server.js';
import { DASHBOARD_CSP } from './dashboard-site.js';

/** Serving the built dashboard (http/dashboard-site.ts) from a directory laid out as `npm run build` writes dist/web. */

const built = mkdtempSync(join(tmpdir(), 'keyward-dashboard-'));
const missing = join(built, 'not-built');
const INDEX = '<!doctype html><html><head><script type="module" src="/dashboard/assets/index-abc123.js"></script></head></html>';
const SCRIPT = 'console.log("dashboard");';
mkdirSync(join(built, 'assets'));
writeFileSync(join(built, 'index.html'), INDEX);
writeFileSync(join(built, 'assets', 'index-abc123.js'), SCRIPT);
writeFileSync(join(built, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
afterAll(() => rmSync(built, { recursive: true, force: true }));

const served = useTestServer({ env: { KEYWARD_DASHBOARD_DIR: built } });
const unbuilt = useTestServer({ env: { KEYWARD_DASHBOARD_DIR: missing } });

const get = (server: typeof served, url: string, headers: Record<string, string> = {}) =>
  server.server.app.inject({ method: 'GET', url, headers });

function expectSecurityHeaders(headers: Record<string, unknown>) {
  expect(headers['content-security-policy']).toBe(DASHBOARD_CSP);
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('no-referrer');
  expect(headers['x-frame-options']).toBe('DENY');
}

describe('the dashboard', () => {
  it('has a strict Content-Security-Policy: self only, no inline script, no framing', () => {
    const directives = new Map(DASHBOARD_CSP.split('; ').map((d) => [d.split(' ')[0], d.split(' ').slice(1)]));
    expect(directives.get('default-src')).toEqual(["'self'"]);
    expect(directives.get('script-src')).toEqual(["'self'"]);
    expect(directives.get('frame-ancestors')).toEqual(["'none'"]);
    expect(DASHBOARD_CSP).not.toContain('unsafe-inline');
    expect(DASHBOARD_CSP).not.toContain('unsafe-eval');
  });

  it('serves index.html at /dashboard/, revalidated on every load', async () => {
    const response = await get(served, '/dashboard/');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.body).toBe(INDEX);
    expectSecurityHeaders(response.headers);
  });

  it('answers a client-side route with index.html', async () => {
    for (const url of ['/dashboard/apis', '/dashboard/setup', '/dashboard/apis/api_123?tab=keys']) {
      const response = await get(served, url);
      expect(response.statusCode, url).toBe(200);
      expect(response.body, url).toBe(INDEX);
      expect(response.headers['cache-control'], url).toBe('no-cache');
      expectSecurityHeaders(response.headers);
    }
  });

  it('redirects /dashboard to /dashboard/', async () => {
    const response = await get(served, '/dashboard');
    expect(response.statusCode).toBe(308);
    expect(response.headers.location).toBe('/dashboard/');
    expectSecurityHeaders(response.headers);
  });

  it('serves hashed assets with a long cache and their content type', async () => {
    const response = await get(served, '/dashboard/assets/index-abc123.js');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(response.body).toBe(SCRIPT);
    expectSecurityHeaders(response.headers);
    const favicon = await get(served, '/dashboard/favicon.svg');
    expect(favicon.headers['content-type']).toBe('image/svg+xml');
    expect(favicon.headers['cache-control']).toBe('no-cache');
  });

  it('answers 304 to a request carrying the current ETag', async () => {
    const first = await get(served, '/dashboard/');
    const again = await get(served, '/dashboard/', { 'if-none-match': String(first.headers.etag) });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
  });

  it('answers a missing file with a JSON 404, never index.html in its place', async () => {
    const response = await get(served, '/dashboard/assets/missing-123.js');
    expect(response.statusCode).toBe(404);
    expect(response.json().error.detail).toBe('The dashboard has no file assets/missing-123.js.');
    expectSecurityHeaders(response.headers);
  });

  it('never reads outside its directory, whatever the path says', async () => {
    writeFileSync(join(built, '..', 'keyward-dashboard-secret.txt'), 'outside-the-build-0xC0FFEE');
    try {
      for (const url of [
        '/dashboard/../keyward-dashboard-secret.txt',
        '/dashboard/%2e%2e/keyward-dashboard-secret.txt',
        '/dashboard/assets/%2e%2e%2f%2e%2e%2fkeyward-dashboard-secret.txt',
        '/dashboard/%2fetc%2fpasswd.txt',
      ]) {
        const response = await get(served, url);
        expect(response.body, url).not.toContain('outside-the-build');
        expect(response.body, url).not.toContain('root:');
      }
    } finally {
      rmSync(join(built, '..', 'keyward-dashboard-secret.txt'), { force: true });
    }
  });

  it('serves a rebuilt dashboard without a restart', async () => {
    const rebuilt = INDEX.replace('abc123', 'def456');
    writeFileSync(join(built, 'index.html'), rebuilt);
    // A rebuild within the file system's timestamp resolution must still be seen.
    utimesSync(join(built, 'index.html'), new Date(), new Date(Date.now() + 5_000));
    try {
      expect((await get(served, '/dashboard/')).body).toBe(rebuilt);
    } finally {
      writeFileSync(join(built, 'index.html'), INDEX);
    }
  });

  it('answers 503 dashboard_not_built, naming npm run build, when the directory holds no build', async () => {
    for (const url of ['/dashboard/', '/dashboard/apis', '/dashboard/assets/index-abc123.js']) {
      const response = await get(unbuilt, url);
      expect(response.statusCode, url).toBe(503);
      const body = response.json();
      expect(body.error.type).toBe('https://unkey.com/docs/errors/keyward/dashboard/dashboard_not_built');
      expect(body.error.detail).toContain('npm run build');
      expectSecurityHeaders(response.headers);
    }
  });

  it('leaves the API without the dashboard headers', async () => {
    const response = await get(served, '/v2/liveness');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-security-policy']).toBeUndefined();
  });
});
