import { ConfirmMfaBody, RecoveryCodesData } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const confirmMfaEnrolment = defineDashboardRoute({
  operation: 'dashboard.confirmMfaEnrolment',
  summary: 'Confirm the authenticator with its current code; answers ten recovery codes, once',
  description: 'The session becomes active (under a new cookie). 401 `mfa_code_invalid`; 429 `sign_in_rate_limited`.',
  body: ConfirmMfaBody,
  data: RecoveryCodesData,
  session: 'pending_enrolment',
  csrf: true,
  errors: [400, 401, 403, 429],
  handle: async ({ body, services, session, client }) => {
    const { token, recoveryCodes } = await services.dashboard.confirmMfaEnrolment(session!, body.code, client);
    return { data: { recoveryCodes }, setSession: token };
  },
});
