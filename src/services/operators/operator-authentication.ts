import { badInput, KeywardError } from '../../core/errors.js';
import { permissionsOfRole } from '../../core/operator-roles.js';
import type { Store } from '../../storage/store.js';
import type { RequestContext } from '../context.js';
import type { DashboardService } from './dashboard.js';
import { type ClientInfo, operatorContext } from './operator-audit.js';

/** What a cookie-authenticated /v2 request presents (http/admission.ts reads it from the headers). */
export interface OperatorCredentials {
  sessionToken: string;
  csrfToken: string | undefined;
  workspaceId: string | undefined;
}

/** An operator's request context, and the workspace's own API rate limit (null: the server-wide one applies). */
export interface OperatorAdmission {
  context: RequestContext;
  apiRateLimit: number | null;
}

/**
 * A dashboard operator acting on /v2/*: an `active` session, the CSRF header, and a workspace it belongs to
 * (`x-keyward-workspace`). It acts with its role's permissions there (core/operator-roles.ts), through the very
 * checks a root key meets: nothing here grants anything a root key holding those permissions could not do.
 */
export class OperatorAuthentication {
  constructor(private readonly deps: { store: Store; dashboard: DashboardService }) {}

  async contextFor(credentials: OperatorCredentials, client: ClientInfo): Promise<OperatorAdmission> {
    const current = await this.deps.dashboard.session(credentials.sessionToken, { states: ['active'], csrf: credentials.csrfToken });
    const { workspaceId } = credentials;
    if (workspaceId === undefined || workspaceId === '') {
      throw badInput("A dashboard session acts on one workspace: send its id in the header 'x-keyward-workspace'.", [
        { location: 'header.x-keyward-workspace', message: 'is missing' },
      ]);
    }
    const role = await this.deps.store.findMembership(current.operator.id, workspaceId);
    // A workspace the operator is no member of, existing or not, is refused alike (decision 0008: nothing tells them apart).
    if (role === undefined) throw new KeywardError('insufficient_permissions', 'You are not a member of this workspace.');
    const workspace = await this.deps.store.findWorkspace(workspaceId);
    if (!workspace?.enabled) throw new KeywardError('workspace_disabled', 'The workspace is disabled.');
    return {
      context: operatorContext(current.operator, workspaceId, permissionsOfRole(role), client),
      apiRateLimit: workspace.apiRateLimit,
    };
  }
}
