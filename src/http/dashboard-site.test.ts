import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
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
// A page chunk as web/precompress.ts leaves it: the file, and its brotli and gzip copies beside it.
const CHUNK = `export const rows = [${Array.from({ length: 400 }, (_, i) => `"row ${i}"`).join(', ')}];`;
writeFileSync(join(built, 'assets', 'KeysPage-abc123.js'), CHUNK);
writeFileSync(join(built, 'assets', 'KeysPage-abc123.js.br'), brotliCompressSync(CHUNK));
writeFileSync(join(built, 'assets', 'KeysPage-abc123.js.gz'), gzipSync(CHUNK));
// A gzip copy left by an older build: it no longer decodes to the file beside it.
writeFileSync(join(built, 'assets', 'stale-abc123.js'), CHUNK);
writeFileSync(join(built, 'assets', 'stale-abc123.js.gz'), gzipSync('console.log("an older build");'));
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
        const response = await get(served, url, { 'accept-encoding': 'gzip, br' });
        expect(response.statusCode, url).toBe(404);
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

  describe('compressed assets', () => {
    const CHUNK_URL = '/dashboard/assets/KeysPage-abc123.js';

    it('answers in brotli when the client accepts it, with the length, type and cache of the compressed body', async () => {
      const response = await get(served, CHUNK_URL, { 'accept-encoding': 'gzip, deflate, br, zstd' });
      expect(response.statusCode).toBe(200);
      expect(response.headers['content-encoding']).toBe('br');
      expect(response.headers.vary).toBe('Accept-Encoding');
      expect(response.headers['content-type']).toBe('text/javascript; charset=utf-8');
      expect(response.headers['cache-control']).toBe('public, max-age=31536000, immutable');
      expect(Number(response.headers['content-length'])).toBe(response.rawPayload.length);
      expect(response.rawPayload.length).toBeLessThan(CHUNK.length / 2);
      expect(brotliDecompressSync(response.rawPayload).toString()).toBe(CHUNK);
      expectSecurityHeaders(response.headers);
    });

    it('answers in gzip when the client accepts gzip alone, or prefers it by q', async () => {
      for (const acceptEncoding of ['gzip', 'gzip, deflate', 'br;q=0.5, gzip', 'x-gzip', 'GZIP;Q=1, br;q=0']) {
        const response = await get(served, CHUNK_URL, { 'accept-encoding': acceptEncoding });
        expect(response.headers['content-encoding'], acceptEncoding).toBe('gzip');
        expect(response.headers.vary, acceptEncoding).toBe('Accept-Encoding');
        expect(Number(response.headers['content-length']), acceptEncoding).toBe(response.rawPayload.length);
        expect(gunzipSync(response.rawPayload).toString(), acceptEncoding).toBe(CHUNK);
      }
    });

    it('answers as the file is (identity) to a client that accepts no coding it has', async () => {
      const requests: Record<string, string>[] = [
        {},
        { 'accept-encoding': '' },
        { 'accept-encoding': 'identity' },
        { 'accept-encoding': 'deflate, br;q=0, gzip;q=0' },
      ];
      for (const headers of requests) {
        const response = await get(served, CHUNK_URL, headers);
        const label = JSON.stringify(headers);
        expect(response.statusCode, label).toBe(200);
        expect(response.headers['content-encoding'], label).toBeUndefined();
        expect(response.headers.vary, label).toBe('Accept-Encoding');
        expect(response.body, label).toBe(CHUNK);
        expect(Number(response.headers['content-length']), label).toBe(CHUNK.length);
      }
    });

    it('gives each coding its own ETag and answers 304 to the one it would send', async () => {
      const tags = new Set<string>();
      for (const acceptEncoding of ['br', 'gzip', 'identity']) {
        const first = await get(served, CHUNK_URL, { 'accept-encoding': acceptEncoding });
        const etag = String(first.headers.etag);
        tags.add(etag);
        const again = await get(served, CHUNK_URL, { 'accept-encoding': acceptEncoding, 'if-none-match': etag });
        expect(again.statusCode, acceptEncoding).toBe(304);
        expect(again.headers.vary, acceptEncoding).toBe('Accept-Encoding');
      }
      expect(tags.size).toBe(3);
      const identityTag = String((await get(served, CHUNK_URL)).headers.etag);
      const brotli = await get(served, CHUNK_URL, { 'accept-encoding': 'br', 'if-none-match': identityTag });
      expect(brotli.statusCode).toBe(200);
      expect(brotli.headers['content-encoding']).toBe('br');
    });

    it('never serves a compressed copy under its own name, nor one that no longer matches its file', async () => {
      for (const url of [`${CHUNK_URL}.br`, `${CHUNK_URL}.gz`, '/dashboard/assets/stale-abc123.js.gz']) {
        expect((await get(served, url, { 'accept-encoding': 'gzip, br' })).statusCode, url).toBe(404);
      }
      const stale = await get(served, '/dashboard/assets/stale-abc123.js', { 'accept-encoding': 'gzip' });
      expect(stale.statusCode).toBe(200);
      expect(stale.headers['content-encoding']).toBeUndefined();
      expect(stale.body).toBe(CHUNK);
    });

    it('leaves a file the build did not compress as it is, without Vary', async () => {
      const response = await get(served, '/dashboard/assets/index-abc123.js', { 'accept-encoding': 'gzip, br' });
      expect(response.headers['content-encoding']).toBeUndefined();
      expect(response.headers.vary).toBeUndefined();
      expect(response.body).toBe(SCRIPT);
    });
  });

  it('leaves the API without the dashboard headers', async () => {
    const response = await get(served, '/v2/liveness');
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-security-policy']).toBeUndefined();
  });
});
