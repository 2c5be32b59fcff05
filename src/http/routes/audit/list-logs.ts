import { AuditLogData, ListAuditLogsBody } from '../../../contract/audit.js';
import { badInput } from '../../../core/errors.js';
import { defineRoute, pageData } from '../../route.js';
import { auditLogData } from '../../../contract/views/audit.js';

export default defineRoute({
  operation: 'audit.listLogs',
  summary: 'List audit log records, oldest or newest first',
  description:
    'Keyward extension. Every mutation writes one record in the same transaction as the change. ' +
    'Filters combine with AND. Oldest first unless `order` is `desc`. Requires `audit.*.read_audit_log`.',
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
    const page = await services.auditLog.list(ctx, {
      events: body.events,
      actorId: body.actorId,
      resourceId: body.resourceId,
      since: body.since,
      until: body.until,
      order: body.order,
      cursor: body.cursor,
      limit: body.limit,
    });
    return pageData(page, auditLogData);
  },
});
