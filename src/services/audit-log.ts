import type { RequestContext } from './context.js';
import { fetchPage, type Page } from './pagination.js';
import type { AuditEntry, AuditQuery, Store } from '../storage/store.js';
import { requirePermission } from './authorization.js';

export class AuditLogService {
  constructor(private readonly deps: { store: Store }) {}

  /** Lists the caller's workspace's records, oldest first, a page at a time. */
  async list(ctx: RequestContext, query: Omit<AuditQuery, 'workspaceId'>): Promise<Page<AuditEntry>> {
    requirePermission(ctx, ['audit.*.read_audit_log']);
    return fetchPage(query, (window) => this.deps.store.listAudit({ ...query, ...window, workspaceId: ctx.workspaceId }));
  }
}
