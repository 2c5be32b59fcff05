import { EmptyBody, MfaEnrolmentData } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const startMfaEnrolment = defineDashboardRoute({
  operation: 'dashboard.startMfaEnrolment',
  summary: 'A new TOTP secret to enrol, with its QR code',
  description: 'Session pending enrolment. Confirm it with dashboard.confirmMfaEnrolment.',
  body: EmptyBody,
  data: MfaEnrolmentData,
  session: 'pending_enrolment',
  csrf: true,
  errors: [400, 401, 403],
  handle: async ({ services, session }) => ({ data: await services.dashboard.startMfaEnrolment(session!) }),
});
