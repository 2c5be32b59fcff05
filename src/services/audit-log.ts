import type { RequestContext } from './context.js';
import { pageOf, type Page } from './pagination.js';
import type { AuditEntry, AuditQuery, Store } from '../storage/store.js';
import { requirePermission } from './authorization.js';

export class AuditLogService {
  constructor(private readonly deps: { store: Store }) {}

  /** Lists the caller's workspace's records, oldest first; fetches one extra row to know if more exist. */
  async list(ctx: RequestContext, query: Omit<AuditQuery, 'workspaceId'>): Promise<Page<AuditEntry>> {
    requirePermission(ctx, ['audit.*.read_audit_log']);
    const rows = await this.deps.store.listAudit({ ...query, workspaceId: ctx.workspaceId, limit: query.limit + 1 });
    return pageOf(rows, query.limit);
  }
}
