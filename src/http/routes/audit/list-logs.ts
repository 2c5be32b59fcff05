import type { Static } from 'typebox';
import { AuditLogData, ListAuditLogsBody } from '../../../contract/audit.js';
import { badInput } from '../../../core/errors.js';
import type { AuditEntry } from '../../../storage/store.js';
import { defineRoute } from '../../route.js';

/** Field by field, so nothing the store adds later (workspace id, ...) reaches the response by accident. */
export function auditLogData(entry: AuditEntry): Static<typeof AuditLogData> {
  const data: Static<typeof AuditLogData> = {
    id: entry.id,
    event: entry.event,
    time: entry.time,
    actor: { type: entry.actor.type, id: entry.actor.id },
    description: entry.description,
    resources: entry.resources.map((r) => (r.name == null ? { type: r.type, id: r.id } : { type: r.type, id: r.id, name: r.name })),
  };
  if (entry.actor.name != null) data.actor.name = entry.actor.name;
  if (entry.sourceIp !== null) data.sourceIp = entry.sourceIp;
  if (entry.userAgent !== null) data.userAgent = entry.userAgent;
  if (entry.requestId !== null) data.requestId = entry.requestId;
  return data;
}

export default defineRoute({
  operation: 'audit.listLogs',
  summary: 'List audit log records, oldest first',
  description:
    'Keyward extension. Every mutation writes one record in the same transaction as the change. ' +
    'Filters combine with AND. Requires `audit.*.read_audit_log`.',
  body: ListAuditLogsBody,
  data: AuditLogData,
  paginated: true,
  errors: [400, 401, 403, 500],
  async handle({ body, ctx, services }) {
    if (body.since !== undefined && body.until !== undefined && body.since > body.until) {
      throw badInput('`since` must not be later than `until`.', [
        { location: 'body.since', message: `since (${body.since}) is later than until (${body.until})`, fix: 'swap `since` and `until`' },
      ]);
    }
    const { entries, hasMore } = await services.auditLog.list(ctx, {
      events: body.events,
      actorId: body.actorId,
      resourceId: body.resourceId,
      since: body.since,
      until: body.until,
      cursor: body.cursor,
      limit: body.limit,
    });
    const last = entries.at(-1);
    // The cursor is the last id of this page; it is sent only when there is a next page (clients follow any cursor).
    return {
      data: entries.map(auditLogData),
      pagination: hasMore && last ? { hasMore: true, cursor: last.id } : { hasMore: false },
    };
  },
});
