import { describe, expect, it } from 'vitest';
import { totpCode } from '../../src/core/totp.js';
import { browse, enrol, loadCsrf, newBrowser, PASSWORD, signedInOperator } from '../dashboard-fixtures.js';
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

describe('dashboard security', () => {
  it('CSRF: a cookie request without the header, or with a wrong one, is 403 csrf_token_invalid and changes nothing', async () => {
    const { browser } = await signedInOperator(t);
    const before = await auditTotal();
    for (const csrf of [null, 'wrong', `${browser.csrf}x`]) {
      for (const operation of ['apis.createApi', 'dashboard.createOperator', 'dashboard.signOutEverywhere']) {
        const body =
          operation === 'apis.createApi'
            ? { name: 'csrf-test' }
            : operation === 'dashboard.createOperator'
              ? { email: 'x@example.com', password: PASSWORD, role: 'admin' }
              : {};
        const res = await browse(t, browser, operation, body, { csrf });
        expect(res.status, `${operation} ${csrf}`).toBe(403);
        expect(res.body.error.type).toMatch(/csrf_token_invalid$/);
      }
    }
    expect(await auditTotal()).toBe(before);
    // The session still works with the right token.
    expect((await browse(t, browser, 'apis.createApi', { name: 'csrf-ok' })).status).toBe(200);
  });

  it('a bearer key wins over a cookie: the root key acts, not the operator', async () => {
    const { browser } = await signedInOperator(t, 'read_only');
    const res = await t.call('apis.createApi', { name: 'bearer-wins' }, { headers: { cookie: `keyward_session=${browser.cookie}` } });
    expect(res.status).toBe(200);
    const [record] = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: res.body.data.apiId, limit: 1 });
    expect(record?.actor.type).toBe('root_key');
  });

  it('pending sessions cannot act: neither pending enrolment nor pending MFA', async () => {
    const { email } = await signedInOperator(t);
    const pendingMfa = newBrowser();
    expect((await browse(t, pendingMfa, 'dashboard.signIn', { email, password: PASSWORD })).body.data).toEqual({ next: 'mfa' });
    await loadCsrf(t, pendingMfa);
    pendingMfa.workspaceId = t.workspaceId;
    const res = await browse(t, pendingMfa, 'apis.createApi', { name: 'pending' });
    expect(res.status).toBe(401);
    expect(res.body.error.type).toMatch(/session_invalid$/);
    expect((await browse(t, pendingMfa, 'dashboard.listOperators')).status).toBe(401);
    for (const operation of ['dashboard.getWorkspaceSettings', 'dashboard.getVaultStatus', 'dashboard.listNodes']) {
      expect((await browse(t, pendingMfa, operation)).status, operation).toBe(401);
    }
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
