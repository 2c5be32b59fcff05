import { renderSVG } from 'uqr';
import type { Clock } from '../../core/clock.js';
import { KeywardError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { OperatorRole } from '../../core/operator-roles.js';
import { matchingStep, newTotpSecret, otpauthUri } from '../../core/totp.js';
import type { Limiter } from '../../ratelimit/limiter.js';
import type { SessionState, Store } from '../../storage/store.js';
import type { Vault } from '../../vault/vault.js';
import { auditEntry } from '../audit.js';
import { systemContext } from '../context.js';
import { auditOperatorEvent, type ClientInfo } from './operator-audit.js';
import { checkPassword, hashPassword, requirePasswordPolicy } from './passwords.js';
import {
  DEFAULT_SESSION_SETTINGS,
  type OperatorSession,
  OperatorSessions,
  renewedToken,
  type SessionNeed,
  type SessionSettings,
} from './sessions.js';
import { SignInLimit } from './sign-in-limit.js';
import { TotpSecrets } from './totp-secrets.js';
import { newRecoveryCode, newToken, recoveryCodeHash, sha256 } from './tokens.js';

export interface DashboardDeps {
  store: Store;
  clock: Clock;
  limiter: Limiter;
  vault?: Vault | null;
  sessions?: SessionSettings;
}

/** How long the first-run setup link works. */
export const SETUP_TOKEN_TTL_MS = 24 * 3_600_000;
export const RECOVERY_CODES = 10;
const ISSUER = 'Keyward';

/** What the client does next after a step of signing in. */
export type NextStep = 'mfa' | 'enrol_mfa';

export interface SessionView {
  operator: { id: string; email: string };
  state: SessionState;
  csrfToken: string;
  workspaces: { id: string; name: string; role: OperatorRole }[];
}

const invalidCredentials = () => new KeywardError('invalid_credentials', 'The email or password is wrong.');
const invalidCode = () => new KeywardError('mfa_code_invalid', 'The code is wrong, expired or used already.');

/**
 * Signing in to the dashboard (decision 0015): the first-run setup link, password sign-in, TOTP enrolment and
 * verification, recovery codes, sessions and sign-out. Every step is audited in the operator's workspaces.
 */
export class DashboardService {
  readonly sessions: OperatorSessions;
  private readonly limits: SignInLimit;
  private readonly secrets: TotpSecrets;

  constructor(private readonly deps: DashboardDeps) {
    this.sessions = new OperatorSessions({ store: deps.store, clock: deps.clock, settings: deps.sessions ?? DEFAULT_SESSION_SETTINGS });
    this.limits = new SignInLimit({ limiter: deps.limiter, clock: deps.clock });
    this.secrets = new TotpSecrets(deps.vault ?? null);
  }

  /** The session of a request, as `need` requires (OperatorSessions.resolve). */
  session(token: string | undefined, need: SessionNeed): Promise<OperatorSession> {
    return this.sessions.resolve(token, need);
  }

  async setupRequired(): Promise<boolean> {
    return (await this.deps.store.countOperators()) === 0;
  }

  /**
   * While no operator exists: a new one-time setup token (the previous one stops working), to print at start; only its
   * hash is stored. Undefined once an operator exists.
   */
  async issueSetupToken(): Promise<string | undefined> {
    if (!(await this.setupRequired())) return undefined;
    const now = this.deps.clock.now();
    const token = newToken();
    await this.deps.store.replaceSetupToken(sha256(token), now, now + SETUP_TOKEN_TTL_MS);
    return token;
  }

  /** The first operator, from the setup link: admin of the oldest workspace (the one the first start made). */
  async completeSetup(input: { token: string; email: string; password: string }, client: ClientInfo): Promise<string> {
    requirePasswordPolicy(input.password);
    const { store, clock } = this.deps;
    const refused = () =>
      new KeywardError('setup_token_invalid', 'The setup link is invalid, used or expired; restart the server for a new one.');
    // Wrong tokens count like failed sign-ins of the address, and the cheap refusals come before argon2's tenth of a
    // second: guessing tokens cannot buy password hashing.
    const blocked = await this.limits.addressBlocked(client.sourceIp);
    if (blocked) throw blocked;
    if (!(await this.setupRequired())) {
      await this.limits.addressFailed(client.sourceIp);
      throw refused();
    }
    // Hashed before the transaction: the database's write lock must not wait for argon2.
    const passwordHash = await hashPassword(input.password);
    const now = clock.now();
    const operatorId = newId('operator', now);
    const email = input.email.toLowerCase();
    await store
      .transaction(async (tx) => {
        if (!(await tx.consumeSetupToken(sha256(input.token), now)) || (await tx.countOperators()) > 0) throw refused();
        const [workspace] = await tx.listWorkspaces();
        if (!workspace) throw refused();
        await tx.insertOperator({ id: operatorId, email, passwordHash, createdAt: now });
        await tx.setMembership(operatorId, workspace.id, 'admin', now);
        const ctx = { ...systemContext(workspace.id, 'setup link'), ...client };
        await tx.appendAudit(
          auditEntry(ctx, now, 'operator.create', `Created operator ${operatorId} (${email}), admin, from the first-run setup link`, [
            { type: 'operator', id: operatorId, name: email },
          ]),
        );
      })
      .catch(async (error: unknown) => {
        if (error instanceof KeywardError && error.code === 'setup_token_invalid') await this.limits.addressFailed(client.sourceIp);
        throw error;
      });
    return this.sessions.start(operatorId, 'pending_enrolment');
  }

  /**
   * Email and password. Unknown email, wrong password and a blocked account or address all cost one argon2
   * verification, so timing tells nothing apart; the first two answer the same 401.
   */
  async signIn(input: { email: string; password: string }, client: ClientInfo): Promise<{ token: string; next: NextStep }> {
    const { store, clock } = this.deps;
    const blocked = await this.limits.signInBlocked(input.email, client.sourceIp);
    const operator = blocked ? undefined : await store.findOperatorByEmail(input.email);
    const matches = await checkPassword(operator?.passwordHash, input.password);
    if (blocked) throw blocked;
    if (!operator || !matches) {
      await this.limits.signInFailed(input.email, client.sourceIp);
      if (operator) {
        await store.transaction((tx) =>
          auditOperatorEvent(tx, operator, client, clock.now(), 'operator.sign_in_failed', 'Sign-in refused: wrong password'),
        );
      }
      throw invalidCredentials();
    }
    const state: SessionState = operator.totpSecret === null ? 'pending_enrolment' : 'pending_mfa';
    return { token: await this.sessions.start(operator.id, state), next: state === 'pending_mfa' ? 'mfa' : 'enrol_mfa' };
  }

  /** A new TOTP secret for the session to confirm; shown once as text, otpauth URI and QR code. */
  async startMfaEnrolment(current: OperatorSession): Promise<{ secret: string; otpauthUri: string; qrCodeSvg: string }> {
    const secret = newTotpSecret();
    const sealed = await this.secrets.seal(current.operator.id, secret);
    if (!(await this.deps.store.setSessionEnrolmentSecret(current.session.tokenHash, sealed))) {
      throw new KeywardError('session_invalid', 'No valid dashboard session: sign in again.');
    }
    const uri = otpauthUri(ISSUER, current.operator.email, secret);
    return { secret, otpauthUri: uri, qrCodeSvg: renderSVG(uri) };
  }

  /** The first code of the new secret: MFA is on, the session active (under a new token), ten recovery codes shown once. */
  async confirmMfaEnrolment(
    current: OperatorSession,
    code: string,
    client: ClientInfo,
  ): Promise<{ token: string; recoveryCodes: string[] }> {
    const { store, clock } = this.deps;
    const { operator, session } = current;
    const blocked = await this.limits.mfaBlocked(operator.id, client.sourceIp);
    if (blocked) throw blocked;
    const sealed = session.enrolmentSecret;
    const step = sealed === null ? undefined : matchingStep(await this.secrets.open(operator.id, sealed), code, clock.now());
    if (sealed === null || step === undefined) {
      await this.limits.mfaFailed(operator.id, client.sourceIp);
      throw sealed === null ? new KeywardError('mfa_code_invalid', 'Call dashboard.startMfaEnrolment first.') : invalidCode();
    }
    const recoveryCodes = Array.from({ length: RECOVERY_CODES }, newRecoveryCode);
    const renewed = renewedToken();
    const now = clock.now();
    await store.transaction(async (tx) => {
      if (!(await tx.activateSession(session.tokenHash, 'pending_enrolment', renewed.tokenHash, now))) {
        throw new KeywardError('session_invalid', 'No valid dashboard session: sign in again.');
      }
      await tx.enrolOperatorMfa(operator.id, sealed, step, recoveryCodes.map(recoveryCodeHash), now);
      await auditOperatorEvent(
        tx,
        operator,
        client,
        now,
        'operator.mfa_enrol',
        'Enrolled an authenticator (TOTP) and received 10 recovery codes',
      );
      await auditOperatorEvent(tx, operator, client, now, 'operator.sign_in', 'Signed in to the dashboard');
    });
    return { token: renewed.token, recoveryCodes };
  }

  /**
   * The second factor: a TOTP code (each step's code accepted once) or an unused recovery code. The session becomes
   * active under a new token. Wrong codes count towards the sign-in limit.
   */
  async verifyMfa(current: OperatorSession, proof: { code?: string; recoveryCode?: string }, client: ClientInfo): Promise<string> {
    const { store, clock } = this.deps;
    const { operator, session } = current;
    const blocked = await this.limits.mfaBlocked(operator.id, client.sourceIp);
    if (blocked) throw blocked;
    const now = clock.now();
    let accepted = false;
    if (proof.code !== undefined && operator.totpSecret !== null) {
      const step = matchingStep(await this.secrets.open(operator.id, operator.totpSecret), proof.code, now);
      // Claimed in the store: the same code (or an older one) sent again, even at once from elsewhere, is refused.
      accepted = step !== undefined && (await store.claimTotpStep(operator.id, step));
    } else if (proof.recoveryCode !== undefined) {
      accepted = await store.useRecoveryCode(operator.id, recoveryCodeHash(proof.recoveryCode), now);
    }
    if (!accepted) {
      await this.limits.mfaFailed(operator.id, client.sourceIp);
      await store.transaction((tx) =>
        auditOperatorEvent(tx, operator, client, now, 'operator.sign_in_failed', 'Sign-in refused: wrong or used MFA code'),
      );
      throw invalidCode();
    }
    const renewed = renewedToken();
    await store.transaction(async (tx) => {
      if (!(await tx.activateSession(session.tokenHash, 'pending_mfa', renewed.tokenHash, now))) {
        throw new KeywardError('session_invalid', 'No valid dashboard session: sign in again.');
      }
      if (proof.recoveryCode !== undefined) {
        const left = await tx.countRecoveryCodes(operator.id);
        await auditOperatorEvent(tx, operator, client, now, 'operator.recovery_code_use', `Signed in with a recovery code; ${left} left`);
      }
      await auditOperatorEvent(tx, operator, client, now, 'operator.sign_in', 'Signed in to the dashboard');
    });
    return renewed.token;
  }

  /** The session as its own page sees it; the workspaces only once active: a password alone learns nothing of them. */
  async view(current: OperatorSession): Promise<SessionView> {
    const memberships = current.session.state === 'active' ? await this.deps.store.listMemberships(current.operator.id) : [];
    return {
      operator: { id: current.operator.id, email: current.operator.email },
      state: current.session.state,
      csrfToken: current.session.csrfToken,
      workspaces: memberships.map((m) => ({ id: m.workspaceId, name: m.workspaceName, role: m.role })),
    };
  }

  async signOut(current: OperatorSession, client: ClientInfo): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      await tx.deleteSession(current.session.tokenHash);
      await auditOperatorEvent(tx, current.operator, client, now, 'operator.sign_out', 'Signed out');
    });
  }

  async signOutEverywhere(current: OperatorSession, client: ClientInfo): Promise<void> {
    const now = this.deps.clock.now();
    await this.deps.store.transaction(async (tx) => {
      const ended = await tx.deleteOperatorSessions(current.operator.id);
      await auditOperatorEvent(
        tx,
        current.operator,
        client,
        now,
        'operator.sign_out_everywhere',
        `Signed out everywhere (${ended} sessions ended)`,
      );
    });
  }
}
