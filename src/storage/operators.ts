/**
 * Dashboard operators (docs/decisions/0015-operators-and-mfa.md): accounts that are not root keys, their workspace
 * memberships, one-time recovery codes, browser sessions and the first-run setup token. Operators belong to no one
 * workspace; everything a workspace's admin reads or changes is scoped by a membership in that workspace. Secrets are
 * stored only as hashes (password: argon2id; session, setup and recovery codes: SHA-256), except the TOTP secret,
 * which both sides must know: sealed as services/operators/totp-secrets.ts decides.
 */

import type { OperatorRole } from '../core/operator-roles.js';

export interface OperatorRecord {
  id: string;
  /** Lower-cased: emails are unique case-insensitively. */
  email: string;
  passwordHash: string;
  /** The sealed TOTP secret; null until the operator has enrolled. */
  totpSecret: string | null;
  /** The latest TOTP step accepted: a code of that step or an earlier one is a replay. */
  totpLastStep: number | null;
  createdAt: number;
}

export interface NewOperator {
  id: string;
  email: string;
  passwordHash: string;
  createdAt: number;
}

export interface OperatorMembership {
  workspaceId: string;
  workspaceName: string;
  role: OperatorRole;
}

/** An operator as a workspace's admin sees it: never its password hash or TOTP secret. */
export interface WorkspaceOperator {
  id: string;
  email: string;
  role: OperatorRole;
  mfaEnrolled: boolean;
  createdAt: number;
}

export type SessionState = 'pending_mfa' | 'pending_enrolment' | 'active';

export interface SessionRecord {
  /** SHA-256 of the cookie's token; the token itself is never stored. */
  tokenHash: string;
  operatorId: string;
  state: SessionState;
  csrfToken: string;
  /** The sealed TOTP secret offered by startMfaEnrolment, until confirmed. */
  enrolmentSecret: string | null;
  createdAt: number;
  lastSeenAt: number;
  /** The absolute end: createdAt plus KEYWARD_DASHBOARD_SESSION_MAX_HOURS. */
  expiresAt: number;
}

export interface OperatorOps {
  /** How many operators exist (the first-run setup link exists only while none does). */
  countOperators(): Promise<number>;
  /** Inserts an operator; false (writing nothing) when its email is taken. */
  insertOperator(operator: NewOperator): Promise<boolean>;
  findOperator(operatorId: string): Promise<OperatorRecord | undefined>;
  /** By email, compared lower-cased. */
  findOperatorByEmail(email: string): Promise<OperatorRecord | undefined>;
  /** Enrols (or re-enrols) MFA: the sealed secret, the step of the code that confirmed it, and new recovery code hashes (the old ones go). */
  enrolOperatorMfa(operatorId: string, totpSecret: string, step: number, recoveryCodeHashes: readonly string[], now: number): Promise<void>;
  /** Removes MFA (keyward operator reset-mfa): the secret and every recovery code; the next sign-in enrols again. */
  resetOperatorMfa(operatorId: string): Promise<boolean>;
  /** Records `step` as used if it is later than every step used before; false for a replay (or a code of an earlier step). */
  claimTotpStep(operatorId: string, step: number): Promise<boolean>;
  /** Marks the unused recovery code with this hash used; false when there is none (unknown or used already). */
  useRecoveryCode(operatorId: string, codeHash: string, now: number): Promise<boolean>;
  /** How many recovery codes the operator has left. */
  countRecoveryCodes(operatorId: string): Promise<number>;

  /** Adds the operator to the workspace with `role`, or changes its role there. */
  setMembership(operatorId: string, workspaceId: string, role: OperatorRole, now: number): Promise<void>;
  /** The operator's role in a live workspace, or undefined. */
  findMembership(operatorId: string, workspaceId: string): Promise<OperatorRole | undefined>;
  /** The operator's live workspaces, oldest first. */
  listMemberships(operatorId: string): Promise<OperatorMembership[]>;
  /** The workspace's operators, oldest first. */
  listWorkspaceOperators(workspaceId: string): Promise<WorkspaceOperator[]>;
  /** Changes the role of a member; false when the operator is no member. */
  updateMembershipRole(workspaceId: string, operatorId: string, role: OperatorRole): Promise<boolean>;
  /** Removes the operator from the workspace; false when it was no member. */
  removeMembership(workspaceId: string, operatorId: string): Promise<boolean>;
  /**
   * How many admins the workspace has, with their memberships locked until the transaction ends: a demotion or removal
   * that checks "not the last admin" and a concurrent one cannot both pass on PostgreSQL (the second waits, then counts
   * what the first committed). SQLite's single writer already serialises them.
   */
  lockWorkspaceAdmins(workspaceId: string): Promise<number>;

  insertSession(session: SessionRecord): Promise<void>;
  findSession(tokenHash: string): Promise<SessionRecord | undefined>;
  /** Notes the session's use at `now` (its idle expiry counts from there). */
  touchSession(tokenHash: string, now: number): Promise<void>;
  setSessionEnrolmentSecret(tokenHash: string, sealedSecret: string): Promise<boolean>;
  /**
   * Moves a session from `from` to `active` under a new token hash (the token changes when the session gains
   * rights); false when no session with that hash is in state `from` any more.
   */
  activateSession(tokenHash: string, from: SessionState, newTokenHash: string, now: number): Promise<boolean>;
  deleteSession(tokenHash: string): Promise<void>;
  /** Every session of the operator (sign-out everywhere); how many there were. */
  deleteOperatorSessions(operatorId: string): Promise<number>;

  /** Replaces any setup token by this one (only its hash is kept). */
  replaceSetupToken(tokenHash: string, createdAt: number, expiresAt: number): Promise<void>;
  /** Deletes the setup token with this hash if it has not expired at `now`; whether it did (once, even raced). */
  consumeSetupToken(tokenHash: string, now: number): Promise<boolean>;
}
