import { CompleteSetupBody, NextData } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const completeSetup = defineDashboardRoute({
  operation: 'dashboard.completeSetup',
  summary: 'Create the first operator from the setup link the server printed',
  description:
    'The token of `<public url>/dashboard/setup#token=...` (one use, 24 hours, replaced at each start while unused). The operator becomes ' +
    'admin of the first workspace; the session cookie is set, to enrol MFA next. 401 `setup_token_invalid`.',
  body: CompleteSetupBody,
  data: NextData,
  session: 'none',
  csrf: false,
  errors: [400, 401],
  handle: async ({ body, services, client }) => ({
    data: { next: 'enrol_mfa' as const },
    setSession: await services.dashboard.completeSetup(body, client),
  }),
});
