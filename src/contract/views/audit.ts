import type { Static } from 'typebox';
import type { AuditLogData } from '../audit.js';
import type { AuditEntry } from '../../storage/store.js';

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
