import { EmptyBody, OperatorListData } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const listOperators = defineDashboardRoute({
  operation: 'dashboard.listOperators',
  summary: "The operators of the workspace named by 'x-keyward-workspace' (admins only)",
  body: EmptyBody,
  data: OperatorListData,
  session: 'admin',
  csrf: true,
  errors: [400, 401, 403],
  handle: async ({ services, ctx }) => {
    const operators = await services.operators.list(ctx!);
    return {
      data: {
        operators: operators.map((o) => ({ id: o.id, email: o.email, role: o.role, mfaEnrolled: o.mfaEnrolled, createdAt: o.createdAt })),
      },
    };
  },
});
