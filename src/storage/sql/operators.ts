import { isOperatorRole, type OperatorRole } from '../../core/operator-roles.js';
import type { OperatorOps, OperatorRecord, SessionRecord, SessionState } from '../store.js';
import type { Executor } from './shared.js';

const role = (value: string): OperatorRole => {
  // Only this code writes the column; anything else would be a database edited by hand, which must grant nothing.
  if (!isOperatorRole(value)) throw new Error(`operator_memberships.role holds an unknown role: ${value}`);
  return value;
};

const OPERATOR_COLUMNS = ['id', 'email', 'password_hash', 'totp_secret', 'totp_last_step', 'created_at'] as const;

function operatorFrom(row: {
  id: string;
  email: string;
  password_hash: string;
  totp_secret: string | null;
  totp_last_step: number | string | null;
  created_at: number;
}): OperatorRecord {
  return {
    id: row.id,
    email: row.email,
    passwordHash: row.password_hash,
    totpSecret: row.totp_secret,
    totpLastStep: row.totp_last_step === null ? null : Number(row.totp_last_step),
    createdAt: Number(row.created_at),
  };
}

export function operatorSql(db: Executor): OperatorOps {
  return {
    async countOperators() {
      const row = await db
        .selectFrom('operators')
        .select((eb) => eb.fn.countAll().as('count'))
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async insertOperator(operator) {
      const result = await db
        .insertInto('operators')
        .values({
          id: operator.id,
          email: operator.email.toLowerCase(),
          password_hash: operator.passwordHash,
          totp_secret: null,
          totp_last_step: null,
          created_at: operator.createdAt,
        })
        .onConflict((oc) => oc.column('email').doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },

    async findOperator(operatorId) {
      const row = await db.selectFrom('operators').select(OPERATOR_COLUMNS).where('id', '=', operatorId).executeTakeFirst();
      return row && operatorFrom(row);
    },

    async findOperatorByEmail(email) {
      const row = await db.selectFrom('operators').select(OPERATOR_COLUMNS).where('email', '=', email.toLowerCase()).executeTakeFirst();
      return row && operatorFrom(row);
    },

    async enrolOperatorMfa(operatorId, totpSecret, step, recoveryCodeHashes, now) {
      await db.updateTable('operators').set({ totp_secret: totpSecret, totp_last_step: step }).where('id', '=', operatorId).execute();
      await db.deleteFrom('operator_recovery_codes').where('operator_id', '=', operatorId).execute();
      if (recoveryCodeHashes.length > 0) {
        await db
          .insertInto('operator_recovery_codes')
          .values(recoveryCodeHashes.map((hash) => ({ operator_id: operatorId, code_hash: hash, created_at: now, used_at: null })))
          .execute();
      }
    },

    async resetOperatorMfa(operatorId) {
      const result = await db
        .updateTable('operators')
        .set({ totp_secret: null, totp_last_step: null })
        .where('id', '=', operatorId)
        .executeTakeFirst();
      await db.deleteFrom('operator_recovery_codes').where('operator_id', '=', operatorId).execute();
      return Number(result.numUpdatedRows) > 0;
    },

    async claimTotpStep(operatorId, step) {
      // One conditional UPDATE: of two requests racing with the same code, exactly one moves the step on.
      const result = await db
        .updateTable('operators')
        .set({ totp_last_step: step })
        .where('id', '=', operatorId)
        .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async useRecoveryCode(operatorId, codeHash, now) {
      const result = await db
        .updateTable('operator_recovery_codes')
        .set({ used_at: now })
        .where('operator_id', '=', operatorId)
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async countRecoveryCodes(operatorId) {
      const row = await db
        .selectFrom('operator_recovery_codes')
        .select((eb) => eb.fn.countAll().as('count'))
        .where('operator_id', '=', operatorId)
        .where('used_at', 'is', null)
        .executeTakeFirstOrThrow();
      return Number(row.count);
    },

    async setMembership(operatorId, workspaceId, newRole, now) {
      await db
        .insertInto('operator_memberships')
        .values({ operator_id: operatorId, workspace_id: workspaceId, role: newRole, created_at: now })
        .onConflict((oc) => oc.columns(['operator_id', 'workspace_id']).doUpdateSet({ role: newRole }))
        .execute();
    },

    async findMembership(operatorId, workspaceId) {
      const row = await db
        .selectFrom('operator_memberships as m')
        .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
        .select('m.role')
        .where('m.operator_id', '=', operatorId)
        .where('m.workspace_id', '=', workspaceId)
        .where('w.deleted_at', 'is', null)
        .executeTakeFirst();
      return row && role(row.role);
    },

    async listMemberships(operatorId) {
      const rows = await db
        .selectFrom('operator_memberships as m')
        .innerJoin('workspaces as w', 'w.id', 'm.workspace_id')
        .select(['m.workspace_id', 'w.name', 'm.role'])
        .where('m.operator_id', '=', operatorId)
        .where('w.deleted_at', 'is', null)
        .orderBy('w.created_at')
        .orderBy('w.id')
        .execute();
      return rows.map((row) => ({ workspaceId: row.workspace_id, workspaceName: row.name, role: role(row.role) }));
    },

    async listWorkspaceOperators(workspaceId) {
      const rows = await db
        .selectFrom('operator_memberships as m')
        .innerJoin('operators as o', 'o.id', 'm.operator_id')
        .select(['o.id', 'o.email', 'm.role', 'o.totp_secret', 'o.created_at'])
        .where('m.workspace_id', '=', workspaceId)
        .orderBy('o.created_at')
        .orderBy('o.id')
        .execute();
      return rows.map((row) => ({
        id: row.id,
        email: row.email,
        role: role(row.role),
        mfaEnrolled: row.totp_secret !== null,
        createdAt: Number(row.created_at),
      }));
    },

    async updateMembershipRole(workspaceId, operatorId, newRole) {
      const result = await db
        .updateTable('operator_memberships')
        .set({ role: newRole })
        .where('workspace_id', '=', workspaceId)
        .where('operator_id', '=', operatorId)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async removeMembership(workspaceId, operatorId) {
      const result = await db
        .deleteFrom('operator_memberships')
        .where('workspace_id', '=', workspaceId)
        .where('operator_id', '=', operatorId)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },

    async lockWorkspaceAdmins(workspaceId) {
      // A no-op update rather than SELECT ... FOR UPDATE, which SQLite does not have: it takes the same row locks on
      // PostgreSQL, and counts the rows that are still admin once a concurrent transaction holding them commits.
      const result = await db
        .updateTable('operator_memberships')
        .set((eb) => ({ role: eb.ref('role') }))
        .where('workspace_id', '=', workspaceId)
        .where('role', '=', 'admin')
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async insertSession(session) {
      await db
        .insertInto('operator_sessions')
        .values({
          token_hash: session.tokenHash,
          operator_id: session.operatorId,
          state: session.state,
          csrf_token: session.csrfToken,
          enrolment_secret: session.enrolmentSecret,
          created_at: session.createdAt,
          last_seen_at: session.lastSeenAt,
          expires_at: session.expiresAt,
        })
        .execute();
    },

    async findSession(tokenHash) {
      const row = await db.selectFrom('operator_sessions').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
      if (!row) return undefined;
      const session: SessionRecord = {
        tokenHash: row.token_hash,
        operatorId: row.operator_id,
        state: row.state as SessionState,
        csrfToken: row.csrf_token,
        enrolmentSecret: row.enrolment_secret,
        createdAt: Number(row.created_at),
        lastSeenAt: Number(row.last_seen_at),
        expiresAt: Number(row.expires_at),
      };
      return session;
    },

    async touchSession(tokenHash, now) {
      await db.updateTable('operator_sessions').set({ last_seen_at: now }).where('token_hash', '=', tokenHash).execute();
    },

    async setSessionEnrolmentSecret(tokenHash, sealedSecret) {
      const result = await db
        .updateTable('operator_sessions')
        .set({ enrolment_secret: sealedSecret })
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async activateSession(tokenHash, from, newTokenHash, now) {
      const result = await db
        .updateTable('operator_sessions')
        .set({ token_hash: newTokenHash, state: 'active', enrolment_secret: null, last_seen_at: now })
        .where('token_hash', '=', tokenHash)
        .where('state', '=', from)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },

    async deleteSession(tokenHash) {
      await db.deleteFrom('operator_sessions').where('token_hash', '=', tokenHash).execute();
    },

    async deleteOperatorSessions(operatorId) {
      const result = await db.deleteFrom('operator_sessions').where('operator_id', '=', operatorId).executeTakeFirst();
      return Number(result.numDeletedRows);
    },

    async replaceSetupToken(tokenHash, createdAt, expiresAt) {
      await db.deleteFrom('operator_setup_tokens').execute();
      await db
        .insertInto('operator_setup_tokens')
        .values({ token_hash: tokenHash, created_at: createdAt, expires_at: expiresAt })
        .execute();
    },

    async consumeSetupToken(tokenHash, now) {
      const result = await db
        .deleteFrom('operator_setup_tokens')
        .where('token_hash', '=', tokenHash)
        .where('expires_at', '>', now)
        .executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
