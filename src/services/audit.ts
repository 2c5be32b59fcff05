import { newId } from '../core/ids.js';
import type { AuditEntry, AuditResource } from '../storage/store.js';
import type { RequestContext } from './context.js';

/** Builds the audit record of one mutation; the caller appends it inside the mutation's transaction. */
export function auditEntry(ctx: RequestContext, now: number, event: string, description: string, resources: AuditResource[]): AuditEntry {
  return {
    id: newId('auditLog', now),
    workspaceId: ctx.workspaceId,
    event,
    time: now,
    actor: ctx.actor,
    description,
    resources,
    sourceIp: ctx.sourceIp,
    userAgent: ctx.userAgent,
    requestId: ctx.requestId,
  };
}
