import type { Page } from 'playwright-core';
import type { OperatorRole } from '../../src/core/operator-roles.js';
import { signedInOperator } from '../dashboard-fixtures.js';
import { type DashboardRun, openPage, type RecordedPage } from './harness.js';
import { totp } from './totp.js';

/**
 * Signing operators in, for the browser tests of the signed-in pages: the first operator through the setup link (an
 * admin, as dashboard-flow.test.ts walks it), and others an admin adds, through the sign-in page. Each enrols MFA with a
 * code computed from the secret the page shows and acknowledges its recovery codes, ending on the APIs page.
 */

export const PASSWORD = 'a long enough passphrase';

/** From the enrolment page to the APIs page. */
export async function enrolMfa(run: DashboardRun, page: Page): Promise<void> {
  await page.getByRole('heading', { name: 'Set up two-factor authentication' }).waitFor();
  const secret = (await page.locator('code.secret').textContent())!;
  await page.getByLabel('Code shown by the app').fill(totp(secret, run.t.clock.now()));
  await page.getByRole('button', { name: 'Confirm' }).click();
  await page.getByRole('heading', { name: 'Save your recovery codes' }).waitFor();
  await page.getByLabel('I saved my recovery codes').check();
  await page.getByRole('button', { name: 'Continue to the dashboard' }).click();
  await page.getByRole('heading', { name: 'APIs', exact: true }).waitFor();
}

/** The first operator, admin of the test server's workspace, through the setup link `keyward start` would print. */
export async function setUpFirstOperator(run: DashboardRun, page: Page, email: string): Promise<void> {
  const setup = (run.t.server.services as unknown as { dashboard: { issueSetupToken(): Promise<string | undefined> } }).dashboard;
  const token = await setup.issueSetupToken();
  await page.goto(`${run.origin}/dashboard/setup#token=${token}`);
  await page.getByRole('heading', { name: 'Set up Keyward' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByLabel('Confirm password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Create account' }).click();
  await enrolMfa(run, page);
}

/**
 * Calls one operation from inside a signed-in page, as the dashboard's own client does (the session's cookie, its CSRF
 * token, the workspace): for what the pages offer no control for, such as a read-only operator's forbidden change.
 */
export async function callAsOperator(page: Page, operation: string, body: object): Promise<{ status: number; body: any }> {
  return page.evaluate(
    async ({ operation, body }) => {
      const post = (name: string, payload: object, headers: Record<string, string> = {}) =>
        fetch(`/v2/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(payload),
        });
      const session = (await (await post('dashboard.getSession', {})).json()).data;
      const answer = await post(operation, body, { 'x-keyward-csrf': session.csrfToken, 'x-keyward-workspace': session.workspaces[0].id });
      return { status: answer.status, body: await answer.json() };
    },
    { operation, body },
  );
}

/** An operator an admin added (dashboard.createOperator from the admin's page), signed in on `page` for the first time. */
export async function signInNewOperator(
  run: DashboardRun,
  admin: Page,
  page: Page,
  email: string,
  role: 'admin' | 'member' | 'read_only',
): Promise<void> {
  const created = await callAsOperator(admin, 'dashboard.createOperator', { email, password: PASSWORD, role });
  if (created.status !== 200) throw new Error(`dashboard.createOperator answered ${created.status}: ${JSON.stringify(created.body)}`);
  await page.goto(`${run.origin}/dashboard/sign-in`);
  await page.getByRole('heading', { name: 'Sign in' }).waitFor();
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(PASSWORD);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await enrolMfa(run, page);
}

/**
 * A browser page signed in as a new operator of `role` in the test server's workspace: the operator is made, signed in
 * and enrolled through the dashboard's own operations (test/dashboard-fixtures.ts), and its session cookie is put in a
 * fresh browser context, as the sign-in pages would have left it. For tests of the pages behind sign-in, which
 * dashboard-flow.test.ts and keys.test.ts already drive through the sign-in and enrolment pages themselves.
 */
export async function operatorPage(
  run: DashboardRun,
  role: OperatorRole,
  options: { width?: number; height?: number; colorScheme?: 'light' | 'dark' } = {},
): Promise<RecordedPage & { email: string }> {
  const operator = await signedInOperator(run.t, role);
  if (!operator.browser.cookie) throw new Error('the signed-in operator has no session cookie');
  const recorded = await openPage(run, options);
  await recorded.context.addCookies([
    { name: 'keyward_session', value: operator.browser.cookie, url: run.origin, httpOnly: true, sameSite: 'Strict' },
  ]);
  return { ...recorded, email: operator.email };
}
