import { NextData, SignInBody } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const signIn = defineDashboardRoute({
  operation: 'dashboard.signIn',
  summary: 'Sign in with email and password; MFA follows',
  description:
    'Sets the session cookie, pending MFA (`next: mfa`) or, without an authenticator yet, pending enrolment (`next: enrol_mfa`). ' +
    '401 `invalid_credentials` for an unknown email or a wrong password alike; 429 `sign_in_rate_limited` with Retry-After.',
  body: SignInBody,
  data: NextData,
  session: 'none',
  csrf: false,
  errors: [400, 401, 429],
  handle: async ({ body, services, client }) => {
    const { token, next } = await services.dashboard.signIn(body, client);
    return { data: { next }, setSession: token };
  },
});
