import { describe, expect, it } from 'vitest';
import { totpCode } from '../../src/core/totp.js';
import { useTestServer } from '../per-file-server.js';

/**
 * The dashboard end to end over a real socket with a cookie jar, as a browser: setup link, MFA enrolment with a code
 * computed from the returned secret at the fake clock's time, recovery codes, acting on /v2 with cookie + CSRF +
 * workspace header, the audit record, sign-out everywhere.
 */
let logs = '';
const t = useTestServer({
  env: { KEYWARD_LOG_LEVEL: 'trace' },
  logStream: {
    write: (line) => {
      logs += line;
    },
  },
});

const PASSWORD = 'a long and secret passphrase';

describe('dashboard: first run to sign-out everywhere', () => {
  it('works through a real HTTP client with cookies', async () => {
    const base = await t.listen();
    let cookie: string | undefined;
    let csrf: string | undefined;
    let workspace: string | undefined;
    const post = async (operation: string, body: unknown = {}) => {
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'flow-browser/2.0' };
      if (cookie) headers.cookie = `keyward_session=${cookie}`;
      if (csrf) headers['x-keyward-csrf'] = csrf;
      if (workspace) headers['x-keyward-workspace'] = workspace;
      const response = await fetch(`${base}/v2/${operation}`, { method: 'POST', headers, body: JSON.stringify(body) });
      const setCookie = response.headers.get('set-cookie');
      if (setCookie) {
        expect(setCookie).toMatch(/; HttpOnly; SameSite=Strict; Path=\//);
        expect(setCookie).not.toMatch(/Secure/); // plain HTTP here
        cookie = /^keyward_session=([^;]*)/.exec(setCookie)![1] || undefined;
      }
      return { status: response.status, body: (await response.json()) as any };
    };

    expect((await post('dashboard.getSetupStatus')).body.data).toEqual({ setupRequired: true });
    const token = await t.server.services.dashboard.issueSetupToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const setup = await post('dashboard.completeSetup', { token, email: 'Admin@Example.com', password: PASSWORD });
    expect(setup.status).toBe(200);
    expect(setup.body.data).toEqual({ next: 'enrol_mfa' });
    expect(cookie).toBeDefined();
    // The link works once.
    const again = await fetch(`${base}/v2/dashboard.completeSetup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ token, email: 'other@example.com', password: PASSWORD }),
    });
    expect(again.status).toBe(401);
    expect(((await again.json()) as any).error.type).toMatch(/setup_token_invalid$/);
    expect((await post('dashboard.getSetupStatus')).body.data).toEqual({ setupRequired: false });

    // A pending session cannot act on the API.
    const pending = await post('dashboard.getSession');
    expect(pending.body.data).toMatchObject({ state: 'pending_enrolment', operator: { email: 'admin@example.com' } });
    csrf = pending.body.data.csrfToken;
    workspace = t.workspaceId;
    expect((await post('apis.createApi', { name: 'too-early' })).status).toBe(401);

    const enrolment = await post('dashboard.startMfaEnrolment');
    expect(enrolment.status).toBe(200);
    const { secret, otpauthUri, qrCodeSvg } = enrolment.body.data;
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(otpauthUri).toContain(`secret=${secret}`);
    expect(qrCodeSvg).toMatch(/^<svg /);
    const confirmed = await post('dashboard.confirmMfaEnrolment', { code: totpCode(secret, t.clock.now()) });
    expect(confirmed.status).toBe(200);
    const { recoveryCodes } = confirmed.body.data;
    expect(recoveryCodes).toHaveLength(10);
    expect(new Set(recoveryCodes).size).toBe(10);

    const session = await post('dashboard.getSession');
    expect(session.body.data).toMatchObject({
      state: 'active',
      csrfToken: csrf,
      workspaces: [{ id: t.workspaceId, name: 'default', role: 'admin' }],
    });

    const created = await post('apis.createApi', { name: 'from-the-dashboard' });
    expect(created.status).toBe(200);
    const apiId = created.body.data.apiId;
    const [record] = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: apiId, limit: 10 });
    expect(record).toMatchObject({
      event: 'api.create',
      actor: { type: 'operator', id: session.body.data.operator.id, name: 'admin@example.com' },
      userAgent: 'flow-browser/2.0',
    });
    expect(record!.sourceIp).toMatch(/127\.0\.0\.1/);

    // A second device signs in with a TOTP code of the next step; then sign-out everywhere ends both.
    t.clock.advance(30_000);
    let second: string | undefined;
    const signIn = await fetch(`${base}/v2/dashboard.signIn`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'ADMIN@example.com', password: PASSWORD }),
    });
    expect(((await signIn.json()) as any).data).toEqual({ next: 'mfa' });
    second = /^keyward_session=([^;]*)/.exec(signIn.headers.get('set-cookie')!)![1];
    const secondSession = await fetch(`${base}/v2/dashboard.getSession`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `keyward_session=${second}` },
      body: '{}',
    });
    const secondCsrf = ((await secondSession.json()) as any).data.csrfToken;
    const verified = await fetch(`${base}/v2/dashboard.verifyMfa`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `keyward_session=${second}`, 'x-keyward-csrf': secondCsrf },
      body: JSON.stringify({ code: totpCode(secret, t.clock.now()) }),
    });
    expect(verified.status).toBe(200);
    second = /^keyward_session=([^;]*)/.exec(verified.headers.get('set-cookie')!)![1];

    expect((await post('dashboard.signOutEverywhere')).status).toBe(200);
    expect(cookie).toBeUndefined();
    const afterOwn = await fetch(`${base}/v2/dashboard.getSession`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie: `keyward_session=${second}` },
      body: '{}',
    });
    expect(afterOwn.status).toBe(401);
    expect(((await afterOwn.json()) as any).error.type).toMatch(/session_invalid$/);

    const events = (await t.server.store.listAudit({ workspaceId: t.workspaceId, limit: 100 })).map((r) => r.event);
    expect(events).toEqual(
      expect.arrayContaining(['operator.create', 'operator.mfa_enrol', 'operator.sign_in', 'operator.sign_out_everywhere']),
    );
    // Secrets never reach the audit log or a log line (logged at trace level here).
    const audit = JSON.stringify(await t.server.store.listAudit({ workspaceId: t.workspaceId, limit: 1000 }));
    for (const secretText of [PASSWORD, secret, token!, ...recoveryCodes, '$argon2id']) {
      expect(audit).not.toContain(secretText);
      expect(logs).not.toContain(secretText);
    }
    expect(logs).toContain('Server listening at');
  });
});
