import type { RequestContext } from './context.js';
import { fetchPage, type Page } from './pagination.js';
import type { AuditEntry, AuditQuery, Store } from '../storage/store.js';
import { requirePermission } from './authorization.js';
import { type ChainReport, verifyAuditChain } from './audit-chain.js';

export class AuditLogService {
  constructor(private readonly deps: { store: Store }) {}

  /** Lists the caller's workspace's records, oldest first (or newest first with `order: 'desc'`), a page at a time. */
  async list(ctx: RequestContext, query: Omit<AuditQuery, 'workspaceId'>): Promise<Page<AuditEntry>> {
    requirePermission(ctx, ['audit.*.read_audit_log']);
    return fetchPage(query, (window) => this.deps.store.listAudit({ ...query, ...window, workspaceId: ctx.workspaceId }));
  }

  /** Checks the caller's workspace's audit chain as `keyward audit verify` does; whoever may read the log may know whether it holds. */
  async verifyChain(ctx: RequestContext): Promise<ChainReport> {
    requirePermission(ctx, ['audit.*.read_audit_log']);
    return verifyAuditChain(this.deps.store, ctx.workspaceId);
  }
}
