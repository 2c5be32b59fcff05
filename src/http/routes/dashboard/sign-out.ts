import { EmptyBody, EmptyOut } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const signOut = defineDashboardRoute({
  operation: 'dashboard.signOut',
  summary: 'End this session',
  body: EmptyBody,
  data: EmptyOut,
  session: 'any',
  csrf: true,
  errors: [400, 401, 403],
  handle: async ({ services, session, client }) => {
    await services.dashboard.signOut(session!, client);
    return { data: {}, clearSession: true };
  },
});
