import { EmptyOut, RemoveOperatorBody } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const removeOperator = defineDashboardRoute({
  operation: 'dashboard.removeOperator',
  summary: 'Remove an operator from the workspace (admins only)',
  description: '404 `operator_not_found`; 409 `last_admin` when it would leave the workspace without an admin. Audited.',
  body: RemoveOperatorBody,
  data: EmptyOut,
  session: 'admin',
  csrf: true,
  errors: [400, 401, 403, 404, 409],
  handle: async ({ body, services, ctx }) => {
    await services.operators.remove(ctx!, body.operatorId);
    return { data: {} };
  },
});
