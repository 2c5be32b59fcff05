import { badInput } from '../../../core/errors.js';
import { EmptyOut, VerifyMfaBody } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const verifyMfa = defineDashboardRoute({
  operation: 'dashboard.verifyMfa',
  summary: 'The second factor: a TOTP code or a recovery code',
  description:
    'Exactly one of `code` and `recoveryCode`. Each TOTP code is accepted once; each recovery code once. The session becomes active ' +
    '(under a new cookie). 401 `mfa_code_invalid`; 429 `sign_in_rate_limited`.',
  body: VerifyMfaBody,
  data: EmptyOut,
  session: 'pending_mfa',
  csrf: true,
  errors: [400, 401, 403, 429],
  handle: async ({ body, services, session, client }) => {
    if ((body.code === undefined) === (body.recoveryCode === undefined)) {
      throw badInput('Send exactly one of code and recoveryCode.', [{ location: 'body', message: 'exactly one of code, recoveryCode' }]);
    }
    return { data: {}, setSession: await services.dashboard.verifyMfa(session!, body, client) };
  },
});
