import type { OperatorRecord, StoreOps } from '../../storage/store.js';
import { auditEntry } from '../audit.js';
import type { RequestContext } from '../context.js';

/** Where a dashboard request came from, for its audit records: never the password, a code or a token. */
export interface ClientInfo {
  requestId: string | null;
  sourceIp: string | null;
  userAgent: string | null;
}

/** The context an operator acts in on one workspace, with the permissions it acts with there. */
export function operatorContext(
  operator: Pick<OperatorRecord, 'id' | 'email'>,
  workspaceId: string,
  permissions: ReadonlySet<string>,
  client: ClientInfo,
): RequestContext {
  return {
    workspaceId,
    actor: { type: 'operator', id: operator.id, name: operator.email },
    permissions,
    requestId: client.requestId,
    sourceIp: client.sourceIp,
    userAgent: client.userAgent,
  };
}

const NO_PERMISSIONS: ReadonlySet<string> = new Set();

/**
 * Audits an event of the operator's own account (sign-in, MFA, sign-out) in every workspace it belongs to: each
 * workspace's admins see what happened to the accounts that can act on it. An operator of no workspace leaves no record.
 */
export async function auditOperatorEvent(
  tx: StoreOps,
  operator: Pick<OperatorRecord, 'id' | 'email'>,
  client: ClientInfo,
  now: number,
  event: string,
  description: string,
): Promise<void> {
  for (const membership of await tx.listMemberships(operator.id)) {
    const ctx = operatorContext(operator, membership.workspaceId, NO_PERMISSIONS, client);
    await tx.appendAudit(auditEntry(ctx, now, event, description, [{ type: 'operator', id: operator.id, name: operator.email }]));
  }
}
