import type { Clock } from '../../core/clock.js';
import { KeywardError } from '../../core/errors.js';
import type { OperatorRecord, SessionRecord, SessionState, Store } from '../../storage/store.js';
import { constantTimeEqual, newToken, sha256, TOKEN_PATTERN } from './tokens.js';

export interface SessionSettings {
  /** A session unused this long has ended (KEYWARD_DASHBOARD_SESSION_IDLE_MINUTES). */
  idleMs: number;
  /** A session older than this has ended, used or not (KEYWARD_DASHBOARD_SESSION_MAX_HOURS). */
  maxMs: number;
}

export const DEFAULT_SESSION_SETTINGS: SessionSettings = { idleMs: 30 * 60_000, maxMs: 12 * 3_600_000 };

/** A session found valid, with its operator. */
export interface OperatorSession {
  session: SessionRecord;
  operator: OperatorRecord;
}

/** What a call asks of the session: its states, and whether the CSRF header must match (every call but getSession). */
export interface SessionNeed {
  states: readonly SessionState[] | 'any';
  /** The `x-keyward-csrf` header as sent; `false`: the call needs none. */
  csrf: string | undefined | false;
}

const invalid = () => new KeywardError('session_invalid', 'No valid dashboard session: sign in again.');

/**
 * Dashboard sessions: an opaque random token in the cookie, its SHA-256 in the store. A session ends when signed out,
 * after `idleMs` without use or `maxMs` after it began; only `active` sessions act (decision 0015).
 */
export class OperatorSessions {
  constructor(private readonly deps: { store: Store; clock: Clock; settings: SessionSettings }) {}

  /** A new session of `operatorId` in `state`; the token is the cookie's value, shown to no one else. */
  async start(operatorId: string, state: SessionState): Promise<string> {
    const now = this.deps.clock.now();
    const token = newToken();
    await this.deps.store.insertSession({
      tokenHash: sha256(token),
      operatorId,
      state,
      csrfToken: newToken(),
      enrolmentSecret: null,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: now + this.deps.settings.maxMs,
    });
    return token;
  }

  /**
   * The session of this cookie token, if it is valid and in a state `need` allows, with the CSRF header matched in
   * constant time; 401 `session_invalid` or 403 `csrf_token_invalid` otherwise. Its use is noted (idle expiry).
   */
  async resolve(token: string | undefined, need: SessionNeed): Promise<OperatorSession> {
    if (token === undefined || !TOKEN_PATTERN.test(token)) throw invalid();
    const { store, clock, settings } = this.deps;
    const tokenHash = sha256(token);
    const session = await store.findSession(tokenHash);
    if (!session) throw invalid();
    const now = clock.now();
    if (now >= session.expiresAt || now - session.lastSeenAt >= settings.idleMs) {
      await store.deleteSession(tokenHash);
      throw invalid();
    }
    const operator = await store.findOperator(session.operatorId);
    if (!operator) throw invalid();
    if (need.csrf !== false && !constantTimeEqual(need.csrf ?? '', session.csrfToken)) {
      throw new KeywardError(
        'csrf_token_invalid',
        "The header 'x-keyward-csrf' must carry this session's CSRF token (dashboard.getSession).",
      );
    }
    if (need.states !== 'any' && !need.states.includes(session.state)) {
      throw new KeywardError(
        'session_invalid',
        `This call needs a session in state ${need.states.join(' or ')}; this one is ${session.state}.`,
      );
    }
    await store.touchSession(tokenHash, now);
    return { session: { ...session, lastSeenAt: now }, operator };
  }
}

/** A fresh token and its hash, for a session that moves on to `active` (its rights grow, so its token changes). */
export function renewedToken(): { token: string; tokenHash: string } {
  const token = newToken();
  return { token, tokenHash: sha256(token) };
}
