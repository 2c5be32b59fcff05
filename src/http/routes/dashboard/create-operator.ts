import { CreateOperatorBody, CreateOperatorData } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const createOperator = defineDashboardRoute({
  operation: 'dashboard.createOperator',
  summary: 'Add a new operator to the workspace (admins only); it enrols MFA at its first sign-in',
  description: '409 `operator_already_exists` when the email is taken. Audited.',
  body: CreateOperatorBody,
  data: CreateOperatorData,
  session: 'admin',
  csrf: true,
  errors: [400, 401, 403, 409],
  handle: async ({ body, services, ctx }) => ({ data: { operatorId: await services.operators.create(ctx!, body) } }),
});
