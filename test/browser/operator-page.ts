import type { OperatorRole } from '../../src/core/operator-roles.js';
import { signedInOperator } from '../dashboard-fixtures.js';
import { type DashboardRun, openPage, type RecordedPage } from './harness.js';

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

/**
 * Calls `/v2/<operation>` from inside the page with its own session, as the dashboard's client does (CSRF token and
 * workspace from dashboard.getSession): what the server answers an operator whatever controls the page shows.
 */
export async function callFromPage(recorded: RecordedPage, operation: string, body: object): Promise<{ status: number; body: unknown }> {
  return recorded.page.evaluate(
    async ({ operation, body }) => {
      const post = (name: string, payload: object, headers: Record<string, string> = {}) =>
        fetch(`/v2/${name}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(payload),
        });
      const session = (await (await post('dashboard.getSession', {})).json()) as {
        data: { csrfToken: string; workspaces: { id: string }[] };
      };
      const answer = await post(operation, body, {
        'x-keyward-csrf': session.data.csrfToken,
        'x-keyward-workspace': session.data.workspaces[0]?.id ?? '',
      });
      return { status: answer.status, body: await answer.json() };
    },
    { operation, body },
  );
}
