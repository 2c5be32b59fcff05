import type { AuditEntry, AuditOps, AuditQuery } from '../store.js';
import type { Executor } from './shared.js';

export function auditSql(db: Executor): AuditOps {
  return {
    async appendAudit(entry: AuditEntry): Promise<void> {
      await db
        .insertInto('audit_logs')
        .values({
          id: entry.id,
          workspace_id: entry.workspaceId,
          event: entry.event,
          time: entry.time,
          actor_type: entry.actor.type,
          actor_id: entry.actor.id,
          actor_name: entry.actor.name ?? null,
          description: entry.description,
          resources: JSON.stringify(entry.resources),
          source_ip: entry.sourceIp,
          user_agent: entry.userAgent,
          request_id: entry.requestId,
        })
        .execute();
      const seen = new Set<string>();
      const resources = entry.resources.filter((r) => {
        const id = `${r.type}\u0000${r.id}`;
        if (seen.has(id)) return false;
        seen.add(id);
        return true;
      });
      if (resources.length > 0) {
        await db
          .insertInto('audit_log_resources')
          .values(
            resources.map((r) => ({ audit_log_id: entry.id, workspace_id: entry.workspaceId, resource_type: r.type, resource_id: r.id })),
          )
          .execute();
      }
    },

    async listAudit(q: AuditQuery): Promise<AuditEntry[]> {
      let query = db.selectFrom('audit_logs as l').selectAll('l').where('l.workspace_id', '=', q.workspaceId);
      if (q.events && q.events.length > 0) query = query.where('l.event', 'in', q.events);
      if (q.actorId !== undefined) query = query.where('l.actor_id', '=', q.actorId);
      if (q.since !== undefined) query = query.where('l.time', '>=', q.since);
      if (q.until !== undefined) query = query.where('l.time', '<=', q.until);
      if (q.cursor !== undefined) query = query.where('l.id', '>', q.cursor);
      if (q.resourceId !== undefined) {
        const resourceId = q.resourceId;
        query = query.where((eb) =>
          eb.exists(
            eb
              .selectFrom('audit_log_resources as r')
              .select('r.audit_log_id')
              .whereRef('r.audit_log_id', '=', 'l.id')
              .where('r.workspace_id', '=', q.workspaceId)
              .where('r.resource_id', '=', resourceId),
          ),
        );
      }
      const rows = await query.orderBy('l.id').limit(q.limit).execute();
      return rows.map((row) => ({
        id: row.id,
        workspaceId: row.workspace_id,
        event: row.event,
        time: Number(row.time),
        actor: { type: row.actor_type as AuditEntry['actor']['type'], id: row.actor_id, name: row.actor_name },
        description: row.description,
        resources: JSON.parse(row.resources) as AuditEntry['resources'],
        sourceIp: row.source_ip,
        userAgent: row.user_agent,
        requestId: row.request_id,
      }));
    },
  };
}
