import { EmptyBody, SessionData } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const getSession = defineDashboardRoute({
  operation: 'dashboard.getSession',
  summary: 'The signed-in operator, its session state, CSRF token and workspaces',
  description: "Any session state; the one dashboard call without 'x-keyward-csrf' (it hands the token out). 401 `session_invalid`.",
  body: EmptyBody,
  data: SessionData,
  session: 'any',
  csrf: false,
  errors: [400, 401],
  handle: async ({ services, session }) => ({ data: await services.dashboard.view(session!) }),
});
