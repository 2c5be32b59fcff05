import { Type } from 'typebox';
import { Defaulted, RequestObject, StringEnum, UnixMs } from './common.js';

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
  order: Defaulted(
    StringEnum(['asc', 'desc'] as const, {
      default: 'asc',
      description: '`asc`: oldest first; `desc`: newest first. A cursor continues in the order of the page that gave it.',
    }),
  ),
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

/** `audit.verifyChain` takes nothing: it checks the caller's own workspace. */
export const VerifyAuditChainBody = RequestObject({});

/** The audit chain's state (src/services/audit-chain.ts), without the workspace id the caller already knows. */
export const AuditChainData = Type.Object({
  checked: Type.Integer({ description: 'Records checked in chain order before the first break (all of them when intact).' }),
  headHash: Type.String({
    description:
      'Hash of the last record checked. Keep a copy elsewhere: a later answer that no longer follows from it means the chain was rewritten.',
  }),
  broken: Type.Optional(
    Type.Object({
      recordId: Type.Optional(Type.String({ description: 'The record the break is found at; absent when it is the chain head itself.' })),
      reason: Type.String(),
    }),
  ),
});
