import { EmptyBody, EmptyOut } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const signOutEverywhere = defineDashboardRoute({
  operation: 'dashboard.signOutEverywhere',
  summary: 'End every session of the signed-in operator, on every device',
  description: 'Needs an active session: a session pending MFA (a password alone) answers 401 `session_invalid`.',
  body: EmptyBody,
  data: EmptyOut,
  // Active only: it ends the operator's other sessions, so a password without the second factor must not reach it.
  session: 'active',
  csrf: true,
  errors: [400, 401, 403],
  handle: async ({ services, session, client }) => {
    await services.dashboard.signOutEverywhere(session!, client);
    return { data: {}, clearSession: true };
  },
});
