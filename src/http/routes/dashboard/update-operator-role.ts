import { EmptyOut, UpdateOperatorRoleBody } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const updateOperatorRole = defineDashboardRoute({
  operation: 'dashboard.updateOperatorRole',
  summary: "Change an operator's role in the workspace (admins only)",
  description: '404 `operator_not_found`; 409 `last_admin` when it would leave the workspace without an admin. Audited.',
  body: UpdateOperatorRoleBody,
  data: EmptyOut,
  session: 'admin',
  csrf: true,
  errors: [400, 401, 403, 404, 409],
  handle: async ({ body, services, ctx }) => {
    await services.operators.updateRole(ctx!, body.operatorId, body.role);
    return { data: {} };
  },
});
