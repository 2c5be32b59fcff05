import { describe, expect, it } from 'vitest';
import { browse, loadCsrf, newBrowser, PASSWORD, signedInOperator } from '../../../../test/dashboard-fixtures.js';
import { useTestServer } from '../../../../test/per-file-server.js';

const t = useTestServer();

/** dashboard.getSetupStatus, completeSetup, signIn, getSession, startMfaEnrolment, signOut: the cases the flow test does not cover. */
describe('dashboard sign-in', () => {
  it('completeSetup: 401 for an unknown, replaced or expired token; 400 for a weak password, consuming nothing', async () => {
    const first = await t.server.services.dashboard.issueSetupToken();
    const second = await t.server.services.dashboard.issueSetupToken();
    const browser = newBrowser();
    const replaced = await browse(t, browser, 'dashboard.completeSetup', { token: first, email: 'a@example.com', password: PASSWORD });
    expect(replaced.status).toBe(401);
    expect(replaced.body.error.type).toMatch(/setup_token_invalid$/);
    const weak = await browse(t, browser, 'dashboard.completeSetup', { token: second, email: 'a@example.com', password: 'short' });
    expect(weak.status).toBe(400);
    t.clock.advance(24 * 3_600_000);
    const expired = await browse(t, browser, 'dashboard.completeSetup', { token: second, email: 'a@example.com', password: PASSWORD });
    expect(expired.status).toBe(401);
    expect(browser.cookie).toBeUndefined();
    expect((await browse(t, browser, 'dashboard.getSetupStatus')).body.data).toEqual({ setupRequired: true });
    // Once an operator exists there is no setup token to issue.
    await signedInOperator(t);
    expect(await t.server.services.dashboard.issueSetupToken()).toBeUndefined();
    expect((await browse(t, browser, 'dashboard.getSetupStatus')).body.data).toEqual({ setupRequired: false });
  });

  it('signIn: the email in any case; 400 for malformed bodies; the content type must be JSON', async () => {
    const { email } = await signedInOperator(t);
    const browser = newBrowser();
    const res = await browse(t, browser, 'dashboard.signIn', { email: email.toUpperCase(), password: PASSWORD });
    expect(res.status).toBe(200);
    expect(browser.cookie).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect((await browse(t, newBrowser(), 'dashboard.signIn', { email })).status).toBe(400);
    const form = await t.server.app.inject({
      method: 'POST',
      url: '/v2/dashboard.signIn',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      payload: `email=${encodeURIComponent(email)}&password=${encodeURIComponent(PASSWORD)}`,
    });
    expect(form.statusCode).toBe(400);
    expect(form.headers['set-cookie']).toBeUndefined();
  });

  it('getSession: 401 without a cookie or with an unknown one; startMfaEnrolment needs a session pending enrolment', async () => {
    expect((await browse(t, newBrowser(), 'dashboard.getSession')).status).toBe(401);
    const forged = { ...newBrowser(), cookie: 'A'.repeat(43) };
    expect((await browse(t, forged, 'dashboard.getSession')).status).toBe(401);
    const { browser } = await signedInOperator(t);
    expect((await browse(t, browser, 'dashboard.startMfaEnrolment')).status).toBe(401);
  });

  it('signOut ends this session only, clears the cookie and is audited; a signed-out cookie is 401', async () => {
    const { browser, email } = await signedInOperator(t);
    const other = newBrowser();
    await browse(t, other, 'dashboard.signIn', { email, password: PASSWORD });
    const cookie = browser.cookie;
    const res = await browse(t, browser, 'dashboard.signOut');
    expect(res.status).toBe(200);
    expect(res.headers['set-cookie']).toMatch(/^keyward_session=; Max-Age=0/);
    expect((await browse(t, { ...browser, cookie }, 'dashboard.getSession')).status).toBe(401);
    expect((await loadCsrf(t, other)).status).toBe(200);
    const events = (await t.server.store.listAudit({ workspaceId: t.workspaceId, limit: 1000 })).map((r) => r.event);
    expect(events).toContain('operator.sign_out');
  });
});
