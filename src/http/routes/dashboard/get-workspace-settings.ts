import { EmptyBody, WorkspaceSettingsData } from '../../../contract/dashboard.js';
import { defineDashboardRoute } from '../../dashboard-route.js';

export const getWorkspaceSettings = defineDashboardRoute({
  operation: 'dashboard.getWorkspaceSettings',
  summary: "The workspace named by 'x-keyward-workspace': its name and id, the operator's role, its API rate limit (any role)",
  description: 'The API rate limit is changed with `keyward workspace-limit` only. 403 for a non-member.',
  body: EmptyBody,
  data: WorkspaceSettingsData,
  session: 'member',
  csrf: true,
  errors: [400, 401, 403],
  handle: async ({ services, ctx, role }) => ({ data: await services.workspaceSettings.describe(ctx!, role!) }),
});
