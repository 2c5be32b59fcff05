import { EmptyBody, EmptyOut } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const signOutEverywhere = defineDashboardRoute({
  operation: 'dashboard.signOutEverywhere',
  summary: 'End every session of the signed-in operator, on every device',
  body: EmptyBody,
  data: EmptyOut,
  session: 'any',
  csrf: true,
  errors: [400, 401, 403],
  handle: async ({ services, session, client }) => {
    await services.dashboard.signOutEverywhere(session!, client);
    return { data: {}, clearSession: true };
  },
});
