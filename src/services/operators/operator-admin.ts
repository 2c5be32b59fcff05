import type { Clock } from '../../core/clock.js';
import { KeywardError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { type OperatorRole, permissionsOfRole } from '../../core/operator-roles.js';
import type { Store, StoreOps, WorkspaceOperator } from '../../storage/store.js';
import { auditEntry } from '../audit.js';
import { type RequestContext, systemContext } from '../context.js';
import { type ClientInfo, operatorContext } from './operator-audit.js';
import { hashPassword, requirePasswordPolicy } from './passwords.js';
import type { OperatorSession } from './sessions.js';

const notAdmin = () =>
  new KeywardError('insufficient_permissions', "Managing operators needs the admin role in the workspace named by 'x-keyward-workspace'.");
const notMember = () =>
  new KeywardError('insufficient_permissions', "This operator is not a member of the workspace named by 'x-keyward-workspace'.");
const operatorNotFound = (operatorId: string) =>
  new KeywardError('operator_not_found', `The operator '${operatorId}' is not a member of this workspace.`);
const lastAdmin = () => new KeywardError('last_admin', 'The workspace must keep at least one admin; make another operator admin first.');

/**
 * Operators of a workspace, managed by its admins (dashboard.*Operator*) and by the CLI (keyward operator). Every
 * change is audited in the workspace; the workspace is never left without an admin.
 */
export class OperatorAdminService {
  constructor(private readonly deps: { store: Store; clock: Clock }) {}

  /** The context of an admin of `workspaceId` (403 for anyone else, a non-member included: nothing tells them apart). */
  async adminContext(current: OperatorSession, workspaceId: string | undefined, client: ClientInfo): Promise<RequestContext> {
    if (workspaceId === undefined) throw notAdmin();
    const role = await this.deps.store.findMembership(current.operator.id, workspaceId);
    if (role !== 'admin') throw notAdmin();
    return operatorContext(current.operator, workspaceId, permissionsOfRole(role), client);
  }

  /**
   * The context and role of a member of `workspaceId`, whatever its role (dashboard.getWorkspaceSettings); 403 for a
   * non-member, existing workspace or not, as /v2 answers it (decision 0015).
   */
  async memberContext(
    current: OperatorSession,
    workspaceId: string | undefined,
    client: ClientInfo,
  ): Promise<{ ctx: RequestContext; role: OperatorRole }> {
    const role = workspaceId === undefined ? undefined : await this.deps.store.findMembership(current.operator.id, workspaceId);
    if (workspaceId === undefined || role === undefined) throw notMember();
    return { ctx: operatorContext(current.operator, workspaceId, permissionsOfRole(role), client), role };
  }

  list(ctx: RequestContext): Promise<WorkspaceOperator[]> {
    return this.deps.store.listWorkspaceOperators(ctx.workspaceId);
  }

  /** A new operator in the workspace; it enrols MFA at its first sign-in. */
  async create(ctx: RequestContext, input: { email: string; password: string; role: OperatorRole }): Promise<string> {
    requirePasswordPolicy(input.password);
    const passwordHash = await hashPassword(input.password);
    const now = this.deps.clock.now();
    const operatorId = newId('operator', now);
    const email = input.email.toLowerCase();
    await this.deps.store.transaction(async (tx) => {
      if (!(await tx.insertOperator({ id: operatorId, email, passwordHash, createdAt: now }))) {
        throw new KeywardError('operator_already_exists', 'An operator with this email exists already.');
      }
      await tx.setMembership(operatorId, ctx.workspaceId, input.role, now);
      await tx.appendAudit(
        auditEntry(ctx, now, 'operator.create', `Created operator ${operatorId} (${email}) with role ${input.role}`, [
          { type: 'operator', id: operatorId, name: email },
        ]),
      );
    });
    return operatorId;
  }

  async updateRole(ctx: RequestContext, operatorId: string, role: OperatorRole): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      const current = await requireMember(tx, ctx.workspaceId, operatorId);
      if (current === role) return;
      if (current === 'admin' && (await tx.lockWorkspaceAdmins(ctx.workspaceId)) <= 1) throw lastAdmin();
      await tx.updateMembershipRole(ctx.workspaceId, operatorId, role);
      await tx.appendAudit(
        auditEntry(ctx, now, 'operator.update_role', `Changed the role of operator ${operatorId} from ${current} to ${role}`, [
          { type: 'operator', id: operatorId },
        ]),
      );
    });
  }

  async remove(ctx: RequestContext, operatorId: string): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      const current = await requireMember(tx, ctx.workspaceId, operatorId);
      if (current === 'admin' && (await tx.lockWorkspaceAdmins(ctx.workspaceId)) <= 1) throw lastAdmin();
      await tx.removeMembership(ctx.workspaceId, operatorId);
      await tx.appendAudit(
        auditEntry(ctx, now, 'operator.remove', `Removed operator ${operatorId} (was ${current}) from the workspace`, [
          { type: 'operator', id: operatorId },
        ]),
      );
    });
  }

  /** `keyward operator create`: a new operator in `workspaceId`, as the system. */
  async createFromCli(input: { email: string; password: string; workspaceId: string; role: OperatorRole }): Promise<string> {
    if (!(await this.deps.store.findWorkspace(input.workspaceId))) {
      throw new KeywardError('invalid_input', `No workspace "${input.workspaceId}".`);
    }
    return this.create(systemContext(input.workspaceId, 'cli'), input);
  }

  /** `keyward operator reset-mfa`: removes the operator's authenticator and recovery codes and ends its sessions. */
  async resetMfa(email: string): Promise<boolean> {
    const now = this.deps.clock.now();
    return this.deps.store.transaction(async (tx) => {
      const operator = await tx.findOperatorByEmail(email);
      if (!operator) return false;
      await tx.resetOperatorMfa(operator.id);
      await tx.deleteOperatorSessions(operator.id);
      for (const membership of await tx.listMemberships(operator.id)) {
        await tx.appendAudit(
          auditEntry(
            systemContext(membership.workspaceId, 'cli'),
            now,
            'operator.reset_mfa',
            `Reset the MFA of operator ${operator.id}; its sessions ended`,
            [{ type: 'operator', id: operator.id, name: operator.email }],
          ),
        );
      }
      return true;
    });
  }
}

async function requireMember(tx: StoreOps, workspaceId: string, operatorId: string): Promise<OperatorRole> {
  const role = await tx.findMembership(operatorId, workspaceId);
  if (role === undefined) throw operatorNotFound(operatorId);
  return role;
}
