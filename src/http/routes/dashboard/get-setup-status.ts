import { EmptyBody, SetupStatusData } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const getSetupStatus = defineDashboardRoute({
  operation: 'dashboard.getSetupStatus',
  summary: 'Whether the first operator is still to be created (no authentication)',
  body: EmptyBody,
  data: SetupStatusData,
  session: 'none',
  csrf: false,
  errors: [400],
  handle: async ({ services }) => ({ data: { setupRequired: await services.dashboard.setupRequired() } }),
});
