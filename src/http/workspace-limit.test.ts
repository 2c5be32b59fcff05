import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type CallResult, type TestServer } from '../../test/harness.js';
import { browse, signedInOperator } from '../../test/dashboard-fixtures.js';

/** The optional per-workspace API rate limit (docs/unkey-compatibility.md, "Workspace API rate limit"), on the test clock. */

const MINUTE = 60_000;

const headersOf = (res: CallResult) => ({
  limit: res.headers['ratelimit-limit'],
  remaining: res.headers['ratelimit-remaining'],
  reset: res.headers['ratelimit-reset'],
  retryAfter: res.headers['retry-after'],
});

/** Moves the clock to the start of a minute with nothing left of the one before. */
const freshMinute = (t: TestServer) => t.clock.set((Math.floor(t.clock.now() / MINUTE) + 2) * MINUTE);

describe('workspace API rate limit: set per workspace (no server default)', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(async () => {
    await t?.close();
  });

  async function limitedWorkspace(limit: number | null) {
    const ws = await t.newWorkspace();
    expect(await t.server.services.workspaces.setApiRateLimit(ws.workspaceId, limit)).toBe(true);
    return ws;
  }

  it('a workspace without a limit gets no rate-limit headers', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await t.call('apis.createApi', { name: 'unlimited' });
      expect(res.status).toBe(200);
      expect(headersOf(res)).toEqual({ limit: undefined, remaining: undefined, reset: undefined, retryAfter: undefined });
    }
  });

  it('every answer carries the headers; past the limit 429 workspace_rate_limited with Retry-After', async () => {
    freshMinute(t);
    const ws = await limitedWorkspace(3);
    const first = await t.call('apis.createApi', { name: 'limited' }, { rootKey: ws.rootKey });
    expect(first.status).toBe(200);
    expect(headersOf(first)).toEqual({ limit: '3', remaining: '2', reset: '60', retryAfter: undefined });

    // An error answer carries them too (and counts).
    t.clock.advance(15_000);
    const missing = await t.call('apis.getApi', { apiId: 'api_doesnotexist' }, { rootKey: ws.rootKey });
    expect(missing.status).toBe(404);
    expect(headersOf(missing)).toEqual({ limit: '3', remaining: '1', reset: '45', retryAfter: undefined });

    const verify = await t.call('keys.verifyKey', { key: 'not_a_key' }, { rootKey: ws.rootKey });
    expect(verify.status).toBe(200);
    expect(headersOf(verify)).toMatchObject({ limit: '3', remaining: '0' });

    t.clock.advance(14_500);
    const refused = await t.call('apis.createApi', { name: 'one too many' }, { rootKey: ws.rootKey });
    expect(refused.status).toBe(429);
    expect(headersOf(refused)).toEqual({ limit: '3', remaining: '0', reset: '31', retryAfter: '31' });
    expect(refused.headers['content-type']).toMatch(/^application\/json/);
    expect(refused.body.meta.requestId).toMatch(/^req_/);
    expect(refused.body.error).toEqual({
      title: 'Too Many Requests',
      status: 429,
      type: 'https://unkey.com/docs/errors/user/too_many_requests/workspace_rate_limited',
      detail: 'This workspace may make 3 API requests per minute; try again in 31 seconds.',
    });
    // The refused call did nothing.
    const apis = await t.server.store.listAudit({ workspaceId: ws.workspaceId, events: ['api.create'], limit: 10 });
    expect(apis).toHaveLength(1);

    // Two minutes on, the window has slid past every earlier request.
    freshMinute(t);
    expect(headersOf(await t.call('apis.createApi', { name: 'again' }, { rootKey: ws.rootKey }))).toMatchObject({
      limit: '3',
      remaining: '2',
    });
  });

  it('another workspace is unaffected by a limited (and exhausted) one', async () => {
    freshMinute(t);
    const limited = await limitedWorkspace(1);
    const other = await t.newWorkspace();
    expect((await t.call('apis.createApi', { name: 'first' }, { rootKey: limited.rootKey })).status).toBe(200);
    expect((await t.call('apis.createApi', { name: 'second' }, { rootKey: limited.rootKey })).status).toBe(429);
    for (let i = 0; i < 3; i++) {
      const res = await t.call('apis.createApi', { name: 'free' }, { rootKey: other.rootKey });
      expect(res.status).toBe(200);
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
  });

  it('a limit of 0 refuses every request', async () => {
    const ws = await limitedWorkspace(0);
    for (let i = 0; i < 3; i++) {
      const res = await t.call('apis.createApi', { name: 'never' }, { rootKey: ws.rootKey });
      expect(res.status).toBe(429);
      expect(headersOf(res)).toMatchObject({ limit: '0', remaining: '0' });
      expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
      expect(res.body.error.detail).toBe('This workspace may not make API requests: its API rate limit is 0 requests per minute.');
    }
  });

  it('a change is seen on the next request (the cached root key is invalidated), and removing it lifts the limit', async () => {
    freshMinute(t);
    const ws = await t.newWorkspace();
    expect(headersOf(await t.call('apis.createApi', { name: 'before' }, { rootKey: ws.rootKey })).limit).toBeUndefined();
    await t.server.services.workspaces.setApiRateLimit(ws.workspaceId, 10);
    expect(headersOf(await t.call('apis.createApi', { name: 'during' }, { rootKey: ws.rootKey })).limit).toBe('10');
    await t.server.services.workspaces.setApiRateLimit(ws.workspaceId, null);
    expect(headersOf(await t.call('apis.createApi', { name: 'after' }, { rootKey: ws.rootKey })).limit).toBeUndefined();
    const audit = await t.server.store.listAudit({ workspaceId: ws.workspaceId, events: ['workspace.update'], limit: 10 });
    expect(audit.map((a) => a.actor)).toEqual([
      { type: 'system', id: 'cli', name: null },
      { type: 'system', id: 'cli', name: null },
    ]);
  });

  it('an unknown workspace is refused', async () => {
    expect(await t.server.services.workspaces.setApiRateLimit('ws_doesnotexist', 5)).toBe(false);
  });
});

describe('workspace API rate limit: KEYWARD_WORKSPACE_RATE_LIMIT as the default', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { KEYWARD_WORKSPACE_RATE_LIMIT: '2' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('applies to every workspace without its own value; a workspace value replaces it', async () => {
    freshMinute(t);
    const calls = async (rootKey: string, n: number) => {
      const statuses: number[] = [];
      for (let i = 0; i < n; i++) statuses.push((await t.call('apis.createApi', { name: 'default limited' }, { rootKey })).status);
      return statuses;
    };
    expect(await calls(t.rootKey, 3)).toEqual([200, 200, 429]);
    const generous = await t.newWorkspace();
    await t.server.services.workspaces.setApiRateLimit(generous.workspaceId, 4);
    expect(await calls(generous.rootKey, 5)).toEqual([200, 200, 200, 200, 429]);
  });
});

describe("workspace API rate limit: a dashboard operator's session counts against the workspace's own limit", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({ env: { KEYWARD_WORKSPACE_RATE_LIMIT: '100' } });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('a workspace limited to 2 per minute refuses its operator the third call, as it would a root key', async () => {
    freshMinute(t);
    const ws = await t.newWorkspace();
    const { browser } = await signedInOperator(t, 'admin', ws.workspaceId);
    expect(await t.server.services.workspaces.setApiRateLimit(ws.workspaceId, 2)).toBe(true);
    const first = await browse(t, browser, 'apis.createApi', { name: 'one' });
    expect(first.status).toBe(200);
    expect(headersOf(first)).toMatchObject({ limit: '2', remaining: '1' });
    expect((await browse(t, browser, 'apis.createApi', { name: 'two' })).status).toBe(200);
    const refused = await browse(t, browser, 'apis.createApi', { name: 'three' });
    expect(refused.status).toBe(429);
    expect(refused.body.error.type).toMatch(/workspace_rate_limited$/);
    // The root key of the same workspace shares the count.
    expect((await t.call('apis.createApi', { name: 'root key' }, { rootKey: ws.rootKey })).status).toBe(429);
  });

  it('a workspace without its own limit gets the server-wide one in a session too', async () => {
    freshMinute(t);
    const ws = await t.newWorkspace();
    const { browser } = await signedInOperator(t, 'admin', ws.workspaceId);
    expect(headersOf(await browse(t, browser, 'apis.createApi', { name: 'default' }))).toMatchObject({ limit: '100', remaining: '99' });
  });
});
