import type { Static, TSchema } from 'typebox';
import type { OperatorRole } from '../core/operator-roles.js';
import type { RequestContext } from '../services/context.js';
import type { Services } from '../services/index.js';
import type { ClientInfo } from '../services/operators/operator-audit.js';
import type { OperatorSession } from '../services/operators/sessions.js';

/**
 * What a dashboard.* call needs before it runs (decision 0015): nothing (getSetupStatus, completeSetup, signIn);
 * a session in any state, or in one state; an active session of an admin, or of a member in any role, of the
 * workspace named by `x-keyward-workspace`.
 */
export type SessionRequirement = 'none' | 'any' | 'pending_enrolment' | 'pending_mfa' | 'active' | 'admin' | 'member';

export interface DashboardCall<B> {
  body: B;
  services: Services;
  client: ClientInfo;
  /** The caller's session; present unless the route needs none. */
  session: OperatorSession | undefined;
  /** The operator's context in the workspace it named; present for `admin` and `member` routes only. */
  ctx: RequestContext | undefined;
  /** The operator's role in that workspace; present for `admin` and `member` routes only. */
  role: OperatorRole | undefined;
}

export interface DashboardResult<T> {
  data: T;
  /** A new session token to set as the cookie. */
  setSession?: string;
  /** Clear the cookie (signed out). */
  clearSession?: true;
}

/**
 * One dashboard operation: registered by http/dashboard.ts as `POST /v2/<operation>` with its own authentication
 * (the session cookie, never a root key), in the OpenAPI document under the tag `dashboard`.
 */
export interface DashboardRoute<B extends TSchema = TSchema, D extends TSchema = TSchema> {
  operation: string;
  summary: string;
  description?: string;
  body: B;
  data: D;
  session: SessionRequirement;
  /** Whether the CSRF header is required; every session call but getSession (which hands the token out) needs it. */
  csrf: boolean;
  /** Statuses besides 200, for the OpenAPI document. */
  errors: number[];
  handle(call: DashboardCall<Static<B>>): Promise<DashboardResult<Static<D>>>;
}

export function defineDashboardRoute<B extends TSchema, D extends TSchema>(route: DashboardRoute<B, D>): DashboardRoute<B, D> {
  return route;
}
