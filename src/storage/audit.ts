/** The audit log: one record per mutation, written in the mutation's transaction. */

export interface AuditResource {
  type: string;
  id: string;
  name?: string;
}

export interface AuditEntry {
  id: string;
  workspaceId: string;
  event: string;
  time: number;
  actor: { type: 'root_key' | 'system' | 'user'; id: string; name?: string | null };
  description: string;
  resources: AuditResource[];
  sourceIp: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export interface AuditQuery {
  workspaceId: string;
  events?: string[];
  actorId?: string;
  resourceId?: string;
  since?: number;
  until?: number;
  /** Records with ids after this one (ids are time-ordered). */
  cursor?: string;
  limit: number;
}

export interface AuditOps {
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
}
