import { Type } from 'typebox';
import { Defaulted, RequestObject, UnixMs } from './common.js';

/** Keyward-only: reading the audit trail (`audit.listLogs`). Every filter narrows; none widens past the caller's workspace. */

const Id = (description: string) => Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9_.:-]+$', description });

export const ListAuditLogsBody = RequestObject({
  events: Type.Optional(
    Type.Array(Type.String({ minLength: 1, maxLength: 128 }), {
      minItems: 1,
      maxItems: 100,
      description: 'Only these events, e.g. `api.create`, `key.update`.',
    }),
  ),
  actorId: Type.Optional(Id('Only records made by this actor (a root key id, or the name of a system task).')),
  resourceId: Type.Optional(Id('Only records that touched this resource (any id: `api_...`, `key_...`, ...).')),
  since: Type.Optional(UnixMs('Only records at or after this time (Unix ms).')),
  until: Type.Optional(UnixMs('Only records at or before this time (Unix ms).')),
  cursor: Type.Optional(
    Type.String({ minLength: 1, maxLength: 255, pattern: '^[a-zA-Z0-9_]+$', description: '`pagination.cursor` of the previous page.' }),
  ),
  limit: Defaulted(Type.Integer({ minimum: 1, maximum: 100, default: 100, description: 'Most records per page.' })),
});

const AuditResourceOut = Type.Object({
  type: Type.String(),
  id: Type.String(),
  name: Type.Optional(Type.String()),
});

/** One record. Optional fields are omitted when unknown, never null. */
export const AuditLogData = Type.Object({
  id: Type.String(),
  event: Type.String(),
  time: Type.Integer({ description: 'Unix ms.' }),
  actor: Type.Object({
    type: Type.String({ description: '`root_key`, `system`, `user` or `operator` (a dashboard operator: id `op_...`, name its email).' }),
    id: Type.String(),
    name: Type.Optional(Type.String()),
  }),
  description: Type.String(),
  resources: Type.Array(AuditResourceOut),
  sourceIp: Type.Optional(Type.String()),
  userAgent: Type.Optional(Type.String()),
  requestId: Type.Optional(Type.String()),
});
