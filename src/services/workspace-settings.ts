import type { OperatorRole } from '../core/operator-roles.js';
import type { Store } from '../storage/store.js';
import type { RequestContext } from './context.js';
import { KeywardError } from '../core/errors.js';

/** Where the workspace API rate limit in force comes from (src/http/workspace-limit.ts). */
export type ApiRateLimitSource = 'workspace' | 'server_default' | 'none';

export interface WorkspaceSettings {
  workspace: { id: string; name: string; createdAt: number };
  role: OperatorRole;
  /** Requests per minute in force; absent: unlimited. Set with `keyward workspace-limit` only (a CLI, system action). */
  apiRateLimit: { perMinute?: number; source: ApiRateLimitSource };
}

/** What the dashboard's Settings page shows of the operator's workspace (dashboard.getWorkspaceSettings). */
export class WorkspaceSettingsService {
  constructor(private readonly deps: { store: Pick<Store, 'listWorkspaces'>; workspaceRateLimitDefault?: number | null }) {}

  async describe(ctx: RequestContext, role: OperatorRole): Promise<WorkspaceSettings> {
    // listWorkspaces is the one read that carries a workspace's own limit; installations hold few workspaces.
    const workspace = (await this.deps.store.listWorkspaces()).find((w) => w.id === ctx.workspaceId);
    // A membership of a workspace no longer live: as for a non-member (operator-admin.ts, memberContext).
    if (!workspace) {
      throw new KeywardError('insufficient_permissions', "This operator is not a member of the workspace named by 'x-keyward-workspace'.");
    }
    const serverDefault = this.deps.workspaceRateLimitDefault ?? null;
    const apiRateLimit =
      workspace.apiRateLimit !== null
        ? { perMinute: workspace.apiRateLimit, source: 'workspace' as const }
        : serverDefault !== null
          ? { perMinute: serverDefault, source: 'server_default' as const }
          : { source: 'none' as const };
    return { workspace: { id: workspace.id, name: workspace.name, createdAt: workspace.createdAt }, role, apiRateLimit };
  }
}
