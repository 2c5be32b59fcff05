import { once } from 'node:events';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConnectionError, RequestTimeoutError } from '@unkey/api/models/errors';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestServer, type TestServer } from '../test/harness.js';
import { createApp as createExpressApp } from './express/app.js';
import { createApp as createFastifyApp } from './fastify/app.js';
import { createApp as createHonoApp } from './hono/app.js';
import { DEFAULT_TIMEOUT_MS, type KeywardGuardOptions, keywardGuard, keywardOptionsFromEnv } from './keyward-guard.js';
import { withKeyward } from './nextjs/with-keyward.js';

/**
 * Every framework example against a live Keyward (SQLite, or PostgreSQL under KEYWARD_TEST_ENGINE=postgres): the same
 * behaviours asserted for each, through each framework's own request path (Hono's app.request, Express on a socket,
 * Fastify's inject, the Next.js route handler called with a Web Request as Next calls it).
 */

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: any;
}

interface RunningApp {
  get(authorization?: string): Promise<Answer>;
  close(): Promise<void>;
}

async function answerOf(response: Response): Promise<Answer> {
  return { status: response.status, headers: Object.fromEntries(response.headers), body: await response.json() };
}

const bearer = (authorization?: string): Record<string, string> => (authorization ? { authorization } : {});

const FRAMEWORKS: { name: string; start(options: KeywardGuardOptions): Promise<RunningApp> }[] = [
  {
    name: 'hono',
    start: async (options) => {
      const app = createHonoApp(options);
      return {
        get: async (authorization) => answerOf(await app.request('/protected', { headers: bearer(authorization) })),
        close: async () => {},
      };
    },
  },
  {
    name: 'express',
    start: async (options) => {
      const server = createExpressApp(options).listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      return {
        get: async (authorization) => answerOf(await fetch(`http://127.0.0.1:${port}/protected`, { headers: bearer(authorization) })),
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    },
  },
  {
    name: 'fastify',
    start: async (options) => {
      const app = createFastifyApp(options);
      return {
        get: async (authorization) => {
          const response = await app.inject({ method: 'GET', url: '/protected', headers: bearer(authorization) });
          return { status: response.statusCode, headers: response.headers as Record<string, string>, body: response.json() };
        },
        close: () => app.close(),
      };
    },
  },
  {
    name: 'nextjs',
    // The handler of examples/nextjs/app/api/protected/route.ts, given options instead of the environment (the route
    // file itself, reading the environment, is tested below).
    start: async (options) => {
      const GET = withKeyward(async (_request, auth) => Response.json({ auth }), options);
      return {
        get: async (authorization) =>
          answerOf(await GET(new Request('http://localhost/api/protected', { headers: bearer(authorization) }))),
        close: async () => {},
      };
    },
  },
];

/** A URL nothing listens on: a port that was free a moment ago. */
async function closedPortUrl(): Promise<string> {
  const server = createHttpServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}

describe('framework examples against a live Keyward', () => {
  let t: TestServer;
  let url: string;
  let rootKey: string;
  let apiId: string;
  let identityKey: { key: string; keyId: string };
  let disabledKey: string;

  const createKey = async (body: Record<string, unknown>) => {
    const res = await t.call('keys.createKey', { apiId, ...body });
    expect(res.status).toBe(200);
    return res.body.data as { key: string; keyId: string };
  };

  beforeAll(async () => {
    t = await startTestServer();
    // Retry-After is computed against the app's clock; Keyward's must agree with it, as in production.
    t.clock.set(Date.now());
    url = await t.listen();
    rootKey = await t.rootKeyWith(['api.*.verify_key']);
    apiId = (await t.call('apis.createApi', { name: 'examples' })).body.data.apiId;
    identityKey = await createKey({ externalId: 'user_123', permissions: ['documents.read'], meta: { plan: 'pro' } });
    disabledKey = (await createKey({ enabled: false })).key;
  });
  afterAll(async () => {
    await t?.close();
  });

  async function withApp(
    framework: (typeof FRAMEWORKS)[number],
    options: Partial<KeywardGuardOptions>,
    body: (app: RunningApp) => Promise<void>,
  ) {
    const app = await framework.start({ url, rootKey, ...options });
    try {
      await body(app);
    } finally {
      await app.close();
    }
  }

  for (const framework of FRAMEWORKS) {
    describe(framework.name, () => {
      it('a valid key passes, and the handler sees its identity, permissions and meta', async () => {
        await withApp(framework, {}, async (app) => {
          const answer = await app.get(`Bearer ${identityKey.key}`);
          expect(answer.status).toBe(200);
          expect(answer.body.auth).toEqual({
            verified: true,
            keyId: identityKey.keyId,
            externalId: 'user_123',
            permissions: ['documents.read'],
            roles: [],
            meta: { plan: 'pro' },
            credits: null,
          });
        });
      });

      it('a missing, unknown or disabled key is a 401 JSON answer with WWW-Authenticate', async () => {
        await withApp(framework, {}, async (app) => {
          const cases = [
            [undefined, 'MISSING_KEY'],
            ['Basic dXNlcjpwYXNz', 'MISSING_KEY'],
            ['Bearer sk_not_a_real_key_123456', 'NOT_FOUND'],
            [`Bearer ${'x'.repeat(10_000)}`, 'NOT_FOUND'],
            [`Bearer ${disabledKey}`, 'DISABLED'],
          ] as const;
          for (const [authorization, code] of cases) {
            const answer = await app.get(authorization);
            expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status: 401, code });
            expect(answer.headers['www-authenticate']).toBe('Bearer');
            expect(answer.headers['content-type']).toMatch(/^application\/json/);
          }
        });
      });

      it('a key without the permission the route asks for is a 403', async () => {
        await withApp(framework, { permissions: 'documents.write' }, async (app) => {
          const answer = await app.get(`Bearer ${identityKey.key}`);
          expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status: 403, code: 'INSUFFICIENT_PERMISSIONS' });
        });
        await withApp(framework, { permissions: 'documents.read' }, async (app) => {
          expect((await app.get(`Bearer ${identityKey.key}`)).status).toBe(200);
        });
      });

      it('a rate-limited key is a 429 with Retry-After; a key out of credits is a 429 too', async () => {
        const limited = await createKey({ ratelimits: [{ name: 'requests', limit: 1, duration: 60_000, autoApply: true }] });
        const metered = await createKey({ credits: { remaining: 1 } });
        await withApp(framework, {}, async (app) => {
          expect((await app.get(`Bearer ${limited.key}`)).status).toBe(200);
          const limitedAnswer = await app.get(`Bearer ${limited.key}`);
          expect({ status: limitedAnswer.status, code: limitedAnswer.body.error?.code }).toEqual({ status: 429, code: 'RATE_LIMITED' });
          const retryAfter = Number(limitedAnswer.headers['retry-after']);
          expect(retryAfter).toBeGreaterThanOrEqual(1);
          expect(retryAfter).toBeLessThanOrEqual(60);

          const first = await app.get(`Bearer ${metered.key}`);
          expect({ status: first.status, credits: first.body.auth?.credits }).toEqual({ status: 200, credits: 0 });
          const spent = await app.get(`Bearer ${metered.key}`);
          expect({ status: spent.status, code: spent.body.error?.code }).toEqual({ status: 429, code: 'USAGE_EXCEEDED' });
          expect(spent.headers['retry-after']).toBeUndefined();
        });
      });

      it('Keyward unreachable: 503 when failing closed (the default), the handler told "skipped" when failing open', async () => {
        const unreachable = await closedPortUrl();
        const onError = vi.fn();
        await withApp(framework, { url: unreachable, onError }, async (app) => {
          const answer = await app.get(`Bearer ${identityKey.key}`);
          expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status: 503, code: 'KEYWARD_UNAVAILABLE' });
          expect(answer.headers['retry-after']).toBe('5');
        });
        expect(onError).toHaveBeenCalledWith(expect.any(ConnectionError));
        await withApp(framework, { url: unreachable, failOpen: true }, async (app) => {
          const answer = await app.get(`Bearer ${identityKey.key}`);
          expect(answer.status).toBe(200);
          expect(answer.body.auth).toEqual({ verified: false, skipped: 'keyward_unavailable' });
          // Failing open never lets a request without any key through.
          expect((await app.get()).status).toBe(401);
        });
      });

      it('a root key Keyward refuses is a 500, never failed open', async () => {
        const created = (await t.call('rootKeys.createRootKey', { name: 'revoked', permissions: ['api.*.verify_key'] })).body.data;
        expect((await t.call('rootKeys.revokeRootKey', { rootKeyId: created.rootKeyId })).status).toBe(200);
        await withApp(framework, { rootKey: created.key, failOpen: true }, async (app) => {
          const answer = await app.get(`Bearer ${identityKey.key}`);
          expect({ status: answer.status, code: answer.body.error?.code }).toEqual({ status: 500, code: 'KEYWARD_REJECTED_ROOT_KEY' });
        });
      });
    });
  }

  it('the Next.js route file reads KEYWARD_URL and KEYWARD_ROOT_KEY from the environment', async () => {
    vi.stubEnv('KEYWARD_URL', url);
    vi.stubEnv('KEYWARD_ROOT_KEY', rootKey);
    try {
      const { GET } = await import('./nextjs/app/api/protected/route.js');
      const call = async (authorization?: string) =>
        answerOf(await GET(new Request('http://localhost/api/protected', { headers: bearer(authorization) })));
      const valid = await call(`Bearer ${identityKey.key}`);
      expect({ status: valid.status, externalId: valid.body.auth?.externalId }).toEqual({ status: 200, externalId: 'user_123' });
      expect((await call('Bearer sk_not_a_real_key_123456')).status).toBe(401);
    } finally {
      vi.unstubAllEnvs();
    }
  });

  it("a permission query Keyward cannot parse is the server's fault (500), not the caller's (401)", async () => {
    const onError = vi.fn();
    const guard = keywardGuard({ url, rootKey, permissions: 'documents.read AND (', failOpen: true, onError });
    expect(await guard(`Bearer ${identityKey.key}`)).toMatchObject({
      pass: false,
      status: 500,
      body: { error: { code: 'KEYWARD_REJECTED_PERMISSIONS_QUERY' } },
    });
    expect(onError).toHaveBeenCalledOnce();
  });

  it('keywardOptionsFromEnv needs both variables and reads KEYWARD_FAIL_OPEN', () => {
    expect(() => keywardOptionsFromEnv({ KEYWARD_URL: url })).toThrow(/KEYWARD_ROOT_KEY/);
    expect(keywardOptionsFromEnv({ KEYWARD_URL: url, KEYWARD_ROOT_KEY: 'r', KEYWARD_FAIL_OPEN: 'true' })).toEqual({
      url,
      rootKey: 'r',
      failOpen: true,
    });
    expect(keywardOptionsFromEnv({ KEYWARD_URL: url, KEYWARD_ROOT_KEY: 'r' }).failOpen).toBe(false);
  });
});

describe('keywardGuard when Keyward misbehaves', () => {
  const servers: Server[] = [];
  async function serve(handler: Parameters<typeof createHttpServer>[1]): Promise<string> {
    const server = createHttpServer(handler);
    servers.push(server);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  afterAll(async () => {
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('a 5xx answer is an outage: 503 when failing closed, skipped when failing open, and not retried', async () => {
    let calls = 0;
    const failing = await serve((_req, res) => {
      calls++;
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":{"title":"boom"}}');
    });
    const closed = await keywardGuard({ url: failing, rootKey: 'unkey_root' })('Bearer sk_abc');
    expect(closed).toMatchObject({ pass: false, status: 503, body: { error: { code: 'KEYWARD_UNAVAILABLE' } } });
    expect(calls).toBe(1);
    const open = await keywardGuard({ url: failing, rootKey: 'unkey_root', failOpen: true })('Bearer sk_abc');
    expect(open).toEqual({ pass: true, auth: { verified: false, skipped: 'keyward_unavailable' } });
  });

  it("an answer that is not a verification (a proxy's page) is an outage too", async () => {
    const proxyPage = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end('<html>Sign in to the corporate proxy</html>');
    });
    const outcome = await keywardGuard({ url: proxyPage, rootKey: 'unkey_root' })('Bearer sk_abc');
    expect(outcome).toMatchObject({ pass: false, status: 503, body: { error: { code: 'KEYWARD_UNAVAILABLE' } } });
  });

  it('a Keyward that does not answer in timeoutMs is an outage, answered within the timeout', async () => {
    const stalled = await serve(() => {});
    const onError = vi.fn();
    const started = performance.now();
    const outcome = await keywardGuard({ url: stalled, rootKey: 'unkey_root', timeoutMs: 200, onError })('Bearer sk_abc');
    const elapsed = performance.now() - started;
    expect(outcome).toMatchObject({ pass: false, status: 503 });
    expect(onError).toHaveBeenCalledWith(expect.any(RequestTimeoutError));
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(DEFAULT_TIMEOUT_MS - 100);
  });
});
