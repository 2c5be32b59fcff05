import { call } from './client';

/** The `dashboard.*` operations (the HTTP contract of issue 15's backend: operators, MFA and sessions). */

export type SessionState = 'pending_mfa' | 'pending_enrolment' | 'active';
export type Role = 'admin' | 'member' | 'read_only';

export interface Workspace {
  id: string;
  name: string;
  role: Role;
}

export interface Session {
  operator: { id: string; email: string };
  state: SessionState;
  csrfToken: string;
  workspaces: Workspace[];
}

/** What the server asks for after a password step. */
export type Next = 'mfa' | 'enrol_mfa';

export interface MfaEnrolment {
  secret: string;
  otpauthUri: string;
  qrCodeSvg: string;
}

export const dashboard = {
  getSetupStatus: () => call<{ setupRequired: boolean }>('dashboard.getSetupStatus'),
  completeSetup: (token: string, email: string, password: string) =>
    call<{ next: Next }>('dashboard.completeSetup', { token, email, password }),
  signIn: (email: string, password: string) => call<{ next: Next }>('dashboard.signIn', { email, password }),
  startMfaEnrolment: () => call<MfaEnrolment>('dashboard.startMfaEnrolment'),
  confirmMfaEnrolment: (code: string) => call<{ recoveryCodes: string[] }>('dashboard.confirmMfaEnrolment', { code }),
  verifyMfa: (proof: { code: string } | { recoveryCode: string }) => call<Record<string, never>>('dashboard.verifyMfa', proof),
  getSession: () => call<Session>('dashboard.getSession'),
  signOut: () => call<Record<string, never>>('dashboard.signOut'),
  signOutEverywhere: () => call<Record<string, never>>('dashboard.signOutEverywhere'),
};

/** The password rule the server applies to a new operator (at least 12 characters, at most 256). */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 256;
