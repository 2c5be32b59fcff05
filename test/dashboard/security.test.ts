import fc from 'fast-check';
import { Value } from 'typebox/value';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../../src/core/totp.js';
import type { DashboardRoute } from '../../src/http/dashboard-route.js';
import { DASHBOARD_ROUTES } from '../../src/http/routes/dashboard/index.js';
import { ROUTES } from '../../src/http/routes/index.js';
import type { SessionState } from '../../src/storage/store.js';
import {
  type Browser,
  browse,
  browserFor,
  enrol,
  loadCsrf,
  newBrowser,
  PASSWORD,
  pendingMfaOperator,
  signedInOperator,
} from '../dashboard-fixtures.js';
import { type Pools, validValue } from '../fuzz/arbitraries.js';
import { changedTables, openStoreFingerprint, type StoreFingerprint } from '../fuzz/store-fingerprint.js';
import type { CallResult } from '../harness.js';
import { useTestServer } from '../per-file-server.js';

let logs = '';
const t = useTestServer({
  env: { KEYWARD_LOG_LEVEL: 'trace', KEYWARD_DASHBOARD_SESSION_IDLE_MINUTES: '30', KEYWARD_DASHBOARD_SESSION_MAX_HOURS: '12' },
  logStream: {
    write: (line) => {
      logs += line;
    },
  },
});

const auditTotal = async (workspaceId = t.workspaceId) => (await t.server.store.listAudit({ workspaceId, limit: 10_000 })).length;

let store: StoreFingerprint;
beforeAll(async () => {
  store = await openStoreFingerprint(t.databaseUrl);
});
afterAll(async () => {
  await store?.close();
});

/**
 * One call of each sweep: an operation and a valid body for it, so that what refuses it is the session or the CSRF
 * header alone. The dashboard.* operations come from the registry the server registers (http/dashboard.ts), so a new
 * one is swept with no list to update; with them a sample of /v2 operations, reads and writes, called with a session.
 */
interface SweptCall {
  operation: string;
  /** The session requirement of a dashboard.* operation; any /v2 operation needs an active session. */
  session: DashboardRoute['session'];
  body: unknown;
}

/** A valid body for a dashboard route (fast-check's first sample, fixed seed), naming `pools`' objects where it can. */
function validBody(route: DashboardRoute, pools: Pools): unknown {
  const [body] = fc.sample(validValue(route.body, pools), { seed: 15, numRuns: 1 });
  expect(Value.Check(route.body, body), `${route.operation}: ${JSON.stringify(body)}`).toBe(true);
  return body;
}

async function sweptCalls(): Promise<SweptCall[]> {
  const apiId = (await t.call('apis.createApi', { name: 'swept' })).body.data.apiId;
  const spareEmail = `spare.${Date.now().toString(36)}@example.com`;
  const spareId = await t.server.services.operators.createFromCli({
    email: spareEmail,
    password: PASSWORD,
    workspaceId: t.workspaceId,
    role: 'member',
  });
  const pools: Pools = { email: [`new.${spareEmail}`], password: [PASSWORD], operatorId: [spareId] };
  return [
    ...DASHBOARD_ROUTES.filter((route) => route.session !== 'none').map((route) => ({
      operation: route.operation,
      session: route.session,
      body: validBody(route, pools),
    })),
    { operation: 'apis.createApi', session: 'active', body: { name: 'from-a-refused-session' } },
    { operation: 'keys.createKey', session: 'active', body: { apiId } },
    { operation: 'apis.listKeys', session: 'active', body: { apiId } },
    { operation: 'rootKeys.createRootKey', session: 'active', body: { name: 'refused', permissions: ['api.*.read_api'] } },
    { operation: 'apis.deleteApi', session: 'active', body: { apiId } },
  ];
}

/** Whether a session in `state` may make a call needing `need` (http/dashboard.ts; /v2 operations need 'active'). */
function admits(need: DashboardRoute['session'], state: SessionState): boolean {
  if (need === 'any') return true;
  return state === (need === 'admin' ? 'active' : need);
}

/** Every operation the server registers, by name: the statuses each declares in the OpenAPI document. */
const DECLARED = new Map<string, readonly number[]>([...ROUTES, ...DASHBOARD_ROUTES].map((route) => [route.operation, route.errors]));

/** The documented refusal: its status (one the operation declares), the error envelope, the error's type. */
function expectRefused(res: CallResult, operation: string, status: 401 | 403, code: 'session_invalid' | 'csrf_token_invalid', what = '') {
  const about = `${operation}${what}: ${JSON.stringify(res.body)}`;
  expect(res.status, about).toBe(status);
  expect(DECLARED.get(operation), `${operation} declares ${status}`).toContain(status);
  expect(res.body.error.status, about).toBe(status);
  expect(res.body.error.type, about).toBe(`https://unkey.com/docs/errors/keyward/dashboard/${code}`);
}

describe('dashboard security', () => {
  it("CSRF: every call that needs the header, without it, with a wrong one or another session's, is 403 csrf_token_invalid and changes nothing", async () => {
    const calls = (await sweptCalls()).filter((call) => DASHBOARD_ROUTES.find((route) => route.operation === call.operation)?.csrf ?? true);
    expect(calls.map((c) => c.operation)).toEqual(
      expect.arrayContaining(['dashboard.createOperator', 'dashboard.signOut', 'apis.createApi']),
    );
    const other = await signedInOperator(t);
    // A browser whose session each call admits, so that only the header is wrong: an admin's serves every requirement
    // but the two pending states.
    const kindOf = (need: DashboardRoute['session']) => (need === 'pending_enrolment' || need === 'pending_mfa' ? need : 'admin');
    const browsers = new Map<DashboardRoute['session'], Browser>();
    for (const { session } of calls)
      if (!browsers.has(kindOf(session))) browsers.set(kindOf(session), (await browserFor(t, kindOf(session))).browser);
    const before = await store.read();
    for (const call of calls) {
      const browser = browsers.get(kindOf(call.session))!;
      for (const [what, csrf] of [
        ['no header', null],
        ['a wrong token', 'wrong'],
        ['its token with a character more', `${browser.csrf}x`],
        ["another session's token", other.browser.csrf!],
      ] as const) {
        expectRefused(
          await browse(t, browser, call.operation, call.body, { csrf }),
          call.operation,
          403,
          'csrf_token_invalid',
          ` with ${what}`,
        );
      }
    }
    expect(changedTables(before, await store.read())).toEqual([]);
    // Nor is a session token or a CSRF token in the log, at trace level.
    for (const browser of [...browsers.values(), other.browser]) {
      expect(logs).not.toContain(browser.cookie);
      expect(logs).not.toContain(browser.csrf);
    }
    // The sessions still work with the right token.
    for (const browser of browsers.values()) expect((await loadCsrf(t, browser)).status).toBe(200);
    expect((await browse(t, browsers.get('admin')!, 'apis.createApi', { name: 'csrf-ok' })).status).toBe(200);
  });

  it('a bearer key wins over a cookie: the root key acts, not the operator', async () => {
    const { browser } = await signedInOperator(t, 'read_only');
    const res = await t.call('apis.createApi', { name: 'bearer-wins' }, { headers: { cookie: `keyward_session=${browser.cookie}` } });
    expect(res.status).toBe(200);
    const [record] = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: res.body.data.apiId, limit: 1 });
    expect(record?.actor.type).toBe('root_key');
  });

  it('a session pending MFA, with its own CSRF token, is 401 session_invalid on every call it does not admit, and changes nothing', async () => {
    const calls = (await sweptCalls()).filter((call) => !admits(call.session, 'pending_mfa'));
    expect(calls.map((c) => c.operation)).toEqual(
      expect.arrayContaining(['dashboard.listOperators', 'dashboard.startMfaEnrolment', 'apis.createApi']),
    );
    const { browser } = await pendingMfaOperator(t);
    const before = await store.read();
    for (const call of calls) expectRefused(await browse(t, browser, call.operation, call.body), call.operation, 401, 'session_invalid');
    expect(changedTables(before, await store.read())).toEqual([]);
    expect((await loadCsrf(t, browser)).body.data.state).toBe('pending_mfa');
  });

  it('a root key instead of a session is 401 session_invalid on every dashboard call that needs one, and changes nothing', async () => {
    const calls = (await sweptCalls()).filter((call) => call.operation.startsWith('dashboard.'));
    const before = await store.read();
    for (const call of calls) expectRefused(await t.call(call.operation, call.body), call.operation, 401, 'session_invalid');
    expect(changedTables(before, await store.read())).toEqual([]);
  });

  it("a password alone cannot end the operator's sessions: signOutEverywhere from a session pending MFA is 401, audited nowhere", async () => {
    const { browser: active } = await signedInOperator(t);
    const { email } = (await browse(t, active, 'dashboard.getSession')).body.data.operator;
    const stolenPassword = newBrowser('attacker/1.0');
    expect((await browse(t, stolenPassword, 'dashboard.signIn', { email, password: PASSWORD })).body.data).toEqual({ next: 'mfa' });
    await loadCsrf(t, stolenPassword);
    const before = await store.read();
    expectRefused(await browse(t, stolenPassword, 'dashboard.signOutEverywhere'), 'dashboard.signOutEverywhere', 401, 'session_invalid');
    expect(changedTables(before, await store.read())).toEqual([]);
    expect((await browse(t, active, 'dashboard.listOperators')).status).toBe(200);
    // Its own pending session it may still abandon.
    expect((await browse(t, stolenPassword, 'dashboard.signOut')).status).toBe(200);
  });

  it('a password alone learns nothing of the workspaces: getSession of a pending session lists none', async () => {
    for (const need of ['pending_mfa', 'pending_enrolment'] as const) {
      const { browser } = await browserFor(t, need);
      const res = await loadCsrf(t, browser);
      expect(res.body.data.state).toBe(need);
      expect(res.body.data.workspaces, need).toEqual([]);
    }
    const { browser } = await signedInOperator(t, 'member');
    expect((await loadCsrf(t, browser)).body.data.workspaces).toEqual([{ id: t.workspaceId, name: 'default', role: 'member' }]);
  });

  it('a session pending enrolment cannot act either', async () => {
    const { browser } = await browserFor(t, 'pending_enrolment');
    browser.workspaceId = t.workspaceId;
    expectRefused(await browse(t, browser, 'apis.createApi', { name: 'pending' }), 'apis.createApi', 401, 'session_invalid');
    expectRefused(await browse(t, browser, 'dashboard.listOperators'), 'dashboard.listOperators', 401, 'session_invalid');
  });

  it('an expired session (fake clock) is 401 session_invalid on every session call; only the expired sessions go', async () => {
    const calls = await sweptCalls();
    const { operatorId } = await signedInOperator(t);
    // One session per call, each in the state the call admits (started by the service: no argon2 per call), so that
    // each call meets an expired session rather than the already deleted one of the call before.
    const browsers: Browser[] = [];
    for (const call of calls) {
      const state: SessionState = call.session === 'pending_enrolment' || call.session === 'pending_mfa' ? call.session : 'active';
      const browser = newBrowser();
      browser.cookie = await t.server.services.dashboard.sessions.start(operatorId, state);
      await loadCsrf(t, browser);
      browser.workspaceId = t.workspaceId;
      browsers.push(browser);
    }
    t.clock.advance(30 * 60_000);
    const before = await store.read();
    for (const [i, call] of calls.entries()) {
      expectRefused(await browse(t, browsers[i]!, call.operation, call.body), call.operation, 401, 'session_invalid');
    }
    // Each refusal deleted its expired session, and changed nothing else.
    expect(changedTables(before, await store.read())).toEqual(['operator_sessions']);
    for (const browser of browsers) expect((await loadCsrf(t, browser)).status).toBe(401);
  });

  it('sessions expire when idle and at their absolute end (fake clock)', async () => {
    const { browser } = await signedInOperator(t);
    t.clock.advance(29 * 60_000);
    expect((await browse(t, browser, 'apis.createApi', { name: 'still-fresh' })).status).toBe(200);
    t.clock.advance(30 * 60_000);
    const idle = await browse(t, browser, 'apis.createApi', { name: 'idle' });
    expect(idle.status).toBe(401);
    expect(idle.body.error.type).toMatch(/session_invalid$/);

    const busy = await signedInOperator(t);
    for (let i = 0; i < 24; i++) {
      t.clock.advance(25 * 60_000);
      expect((await browse(t, busy.browser, 'dashboard.getSession', {}, { csrf: null })).status).toBe(200);
    }
    // 24 x 25 min = 10 h; four more steps reach 11 h 40, the fifth passes 12 h from the session's start.
    for (let i = 0; i < 4; i++) {
      t.clock.advance(25 * 60_000);
      expect((await browse(t, busy.browser, 'dashboard.getSession')).status).toBe(200);
    }
    t.clock.advance(25 * 60_000);
    expect((await browse(t, busy.browser, 'dashboard.getSession')).status).toBe(401);
  });

  it('a read_only operator reads but gets 403 on writes, root keys and operator management', async () => {
    const { browser } = await signedInOperator(t, 'read_only');
    expect((await browse(t, browser, 'apis.createApi', { name: 'nope' })).status).toBe(403);
    expect((await browse(t, browser, 'rootKeys.listRootKeys', {})).status).toBe(403);
    expect((await browse(t, browser, 'dashboard.listOperators')).status).toBe(403);
    expect((await browse(t, browser, 'audit.listLogs', {})).status).toBe(200);
    expect((await browse(t, browser, 'audit.verifyChain', {})).status).toBe(200);
    expect((await browse(t, browser, 'permissions.listPermissions', {})).status).toBe(200);
  });

  it('a member cannot create root keys; an admin creates one only within its role (no escalation)', async () => {
    const member = await signedInOperator(t, 'member');
    expect((await browse(t, member.browser, 'rootKeys.createRootKey', { name: 'm', permissions: ['api.*.read_api'] })).status).toBe(403);
    const admin = await signedInOperator(t, 'admin');
    const created = await browse(t, admin.browser, 'rootKeys.createRootKey', { name: 'from-dashboard', permissions: ['api.*.read_api'] });
    expect(created.status).toBe(200);
    const foreign = await browse(t, admin.browser, 'rootKeys.createRootKey', {
      name: 'other-ws',
      permissions: ['unkey:v1:ws_other:**#*'],
    });
    expect(foreign.status).toBe(400);
  });

  it('an operator of workspace A naming workspace B (existing or not) is refused alike, and sees nothing of B', async () => {
    const other = await t.newWorkspace();
    const { browser } = await signedInOperator(t, 'admin');
    const answers = [];
    for (const workspaceId of [other.workspaceId, 'ws_doesnotexist']) {
      const res = await browse(t, browser, 'apis.createApi', { name: 'cross' }, { workspaceId });
      expect(res.status).toBe(403);
      answers.push(res.body.error.detail);
      expect((await browse(t, browser, 'dashboard.listOperators', {}, { workspaceId })).status).toBe(403);
      expect((await browse(t, browser, 'audit.verifyChain', {}, { workspaceId })).status).toBe(403);
      // The Settings page's reads: the same refusal whether B exists or not.
      for (const operation of ['dashboard.getWorkspaceSettings', 'dashboard.getVaultStatus', 'dashboard.listNodes']) {
        const read = await browse(t, browser, operation, {}, { workspaceId });
        expect(read.status, operation).toBe(403);
        answers.push(`${operation}: ${read.body.error.detail}`);
      }
    }
    expect(answers.slice(0, 4)).toEqual(answers.slice(4));
    expect(await auditTotal(other.workspaceId)).toBeGreaterThan(0);
    const missing = await browse(t, browser, 'apis.createApi', { name: 'no-header' }, { workspaceId: null });
    expect(missing.status).toBe(400);
  });

  it('TOTP: a code is accepted once (replay refused); a recovery code works once', async () => {
    const { email, secret, recoveryCodes } = await signedInOperator(t);
    t.clock.advance(30_000);
    const code = totpCode(secret, t.clock.now());
    const first = newBrowser();
    await browse(t, first, 'dashboard.signIn', { email, password: PASSWORD });
    await loadCsrf(t, first);
    expect((await browse(t, first, 'dashboard.verifyMfa', { code })).status).toBe(200);
    const replay = newBrowser();
    await browse(t, replay, 'dashboard.signIn', { email, password: PASSWORD });
    await loadCsrf(t, replay);
    const replayed = await browse(t, replay, 'dashboard.verifyMfa', { code });
    expect(replayed.status).toBe(401);
    expect(replayed.body.error.type).toMatch(/mfa_code_invalid$/);

    const recovery = recoveryCodes[3]!;
    expect((await browse(t, replay, 'dashboard.verifyMfa', { recoveryCode: recovery.toUpperCase() })).status).toBe(200);
    const stolen = newBrowser();
    await browse(t, stolen, 'dashboard.signIn', { email, password: PASSWORD });
    await loadCsrf(t, stolen);
    expect((await browse(t, stolen, 'dashboard.verifyMfa', { recoveryCode: recovery })).status).toBe(401);
    const events = (await t.server.store.listAudit({ workspaceId: t.workspaceId, limit: 10_000 })).map((r) => r.event);
    expect(events).toContain('operator.recovery_code_use');
  });

  it('sign-in limiting: 5 failures per account answer 429 with Retry-After, the right password included; same 401 for unknown emails', async () => {
    const { email } = await signedInOperator(t);
    const browser = newBrowser();
    const unknown = await browse(t, browser, 'dashboard.signIn', { email: 'nobody@example.com', password: 'not-the-password!' });
    const wrong = await browse(t, browser, 'dashboard.signIn', { email, password: 'not-the-password!' });
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body.error.detail).toBe(wrong.body.error.detail);
    expect(unknown.body.error.type).toBe(wrong.body.error.type);
    for (let i = 0; i < 4; i++)
      expect((await browse(t, browser, 'dashboard.signIn', { email, password: `not-the-password-${i}` })).status).toBe(401);
    const locked = await browse(t, browser, 'dashboard.signIn', { email, password: PASSWORD });
    expect(locked.status).toBe(429);
    expect(locked.body.error.type).toMatch(/sign_in_rate_limited$/);
    expect(Number(locked.headers['retry-after'])).toBeGreaterThan(0);
    expect(browser.cookie).toBeUndefined();
    t.clock.advance(31 * 60_000);
    expect((await browse(t, browser, 'dashboard.signIn', { email, password: PASSWORD })).status).toBe(200);
    // The failure was audited, without the password.
    const audit = JSON.stringify(await t.server.store.listAudit({ workspaceId: t.workspaceId, limit: 10_000 }));
    expect(audit).toContain('operator.sign_in_failed');
    expect(audit).not.toContain('not-the-password');
  });

  it('ten wrong MFA codes lock the second step for a while', async () => {
    const { email, secret } = await signedInOperator(t);
    const browser = newBrowser();
    await browse(t, browser, 'dashboard.signIn', { email, password: PASSWORD });
    await loadCsrf(t, browser);
    for (let i = 0; i < 10; i++) expect((await browse(t, browser, 'dashboard.verifyMfa', { code: '000000' })).status).toBe(401);
    t.clock.advance(30_000);
    const locked = await browse(t, browser, 'dashboard.verifyMfa', { code: totpCode(secret, t.clock.now()) });
    expect(locked.status).toBe(429);
  });

  it('enrolment: a wrong code is 401 and the session stays pending; the password hash is never in an answer or a log', async () => {
    const email = `enrol.${Date.now()}@example.com`;
    await t.server.services.operators.createFromCli({ email, password: PASSWORD, workspaceId: t.workspaceId, role: 'member' });
    const browser = newBrowser();
    await browse(t, browser, 'dashboard.signIn', { email, password: PASSWORD });
    await loadCsrf(t, browser);
    await browse(t, browser, 'dashboard.startMfaEnrolment');
    const wrong = await browse(t, browser, 'dashboard.confirmMfaEnrolment', { code: '123456' });
    expect(wrong.status).toBe(401);
    expect((await loadCsrf(t, browser)).body.data.state).toBe('pending_enrolment');
    await enrol(t, browser);
    const admin = await signedInOperator(t, 'admin');
    const listed = await browse(t, admin.browser, 'dashboard.listOperators');
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain('argon2');
    expect(logs).not.toContain('$argon2id');
    expect(logs).not.toContain(PASSWORD);
  });
});
