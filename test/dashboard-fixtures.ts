import type { OperatorRole } from '../src/core/operator-roles.js';
import type { SessionRequirement } from '../src/http/dashboard-route.js';
import { totpCode } from '../src/core/totp.js';
import type { CallResult, TestServer } from './harness.js';

/** A browser's view of the dashboard: its cookie jar of one cookie, and the CSRF token getSession handed out. */
export interface Browser {
  cookie: string | undefined;
  csrf: string | undefined;
  workspaceId?: string;
  userAgent: string;
}

export const PASSWORD = 'correct horse battery staple';

export const newBrowser = (userAgent = 'test-browser/1.0'): Browser => ({ cookie: undefined, csrf: undefined, userAgent });

/** The `keyward_session` value a Set-Cookie header sets ('' when it clears it). */
function cookieFrom(setCookie: unknown): string | undefined {
  const header = Array.isArray(setCookie) ? setCookie[0] : setCookie;
  if (typeof header !== 'string') return undefined;
  const match = /^keyward_session=([^;]*)/.exec(header);
  return match ? match[1] : undefined;
}

export interface BrowseOptions {
  csrf?: string | null;
  workspaceId?: string | null;
  headers?: Record<string, string>;
}

/**
 * POST /v2/<operation> as a browser would: the cookie, the CSRF header once known, the workspace header when chosen;
 * the cookie jar follows Set-Cookie. Through Fastify's inject, with a client address of 127.0.0.1.
 */
export function browse(
  t: TestServer,
  browser: Browser,
  operation: string,
  body: unknown = {},
  options: BrowseOptions = {},
): Promise<CallResult> {
  return browseText(t, browser, operation, JSON.stringify(body), options);
}

/** browse() with the body as raw JSON text, for bodies JSON.stringify cannot write (the fuzzer's 1e309, broken JSON). */
export async function browseText(
  t: TestServer,
  browser: Browser,
  operation: string,
  text: string,
  options: BrowseOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': browser.userAgent, ...options.headers };
  if (browser.cookie) headers.cookie = `keyward_session=${browser.cookie}`;
  const csrf = options.csrf === undefined ? browser.csrf : options.csrf;
  if (csrf) headers['x-keyward-csrf'] = csrf;
  const workspaceId = options.workspaceId === undefined ? browser.workspaceId : options.workspaceId;
  if (workspaceId) headers['x-keyward-workspace'] = workspaceId;
  const response = await t.server.app.inject({ method: 'POST', url: `/v2/${operation}`, headers, payload: text });
  const set = cookieFrom(response.headers['set-cookie']);
  if (set !== undefined) browser.cookie = set === '' ? undefined : set;
  let parsed: unknown = response.body;
  try {
    parsed = JSON.parse(response.body);
  } catch {}
  return { status: response.statusCode, body: parsed, headers: response.headers };
}

/** Reads the session's CSRF token into the browser. */
export async function loadCsrf(t: TestServer, browser: Browser): Promise<CallResult> {
  const res = await browse(t, browser, 'dashboard.getSession', {}, { csrf: null, workspaceId: null });
  if (res.status === 200) browser.csrf = res.body.data.csrfToken;
  return res;
}

/** Enrols MFA in a session pending enrolment; answers the TOTP secret and the recovery codes. */
export async function enrol(t: TestServer, browser: Browser): Promise<{ secret: string; recoveryCodes: string[] }> {
  await loadCsrf(t, browser);
  const started = await browse(t, browser, 'dashboard.startMfaEnrolment');
  if (started.status !== 200) throw new Error(`startMfaEnrolment: ${started.status} ${JSON.stringify(started.body)}`);
  const secret: string = started.body.data.secret;
  const confirmed = await browse(t, browser, 'dashboard.confirmMfaEnrolment', { code: totpCode(secret, t.clock.now()) });
  if (confirmed.status !== 200) throw new Error(`confirmMfaEnrolment: ${confirmed.status} ${JSON.stringify(confirmed.body)}`);
  return { secret, recoveryCodes: confirmed.body.data.recoveryCodes };
}

let counter = 0;

/**
 * An operator of `role` in `workspaceId` (the server's own by default), signed in and enrolled: an active session in
 * a browser with its CSRF token and workspace header set.
 */
export async function signedInOperator(
  t: TestServer,
  role: OperatorRole = 'admin',
  workspaceId: string = t.workspaceId,
): Promise<{ browser: Browser; operatorId: string; email: string; secret: string; recoveryCodes: string[] }> {
  const email = `op${++counter}.${Date.now().toString(36)}@example.com`;
  const operatorId = await t.server.services.operators.createFromCli({ email, password: PASSWORD, workspaceId, role });
  const browser = newBrowser();
  const signedIn = await browse(t, browser, 'dashboard.signIn', { email, password: PASSWORD });
  if (signedIn.status !== 200) throw new Error(`signIn: ${signedIn.status} ${JSON.stringify(signedIn.body)}`);
  const { secret, recoveryCodes } = await enrol(t, browser);
  browser.workspaceId = workspaceId;
  return { browser, operatorId, email, secret, recoveryCodes };
}

/** An operator who has not enrolled MFA, signed in: a session pending enrolment, its CSRF token loaded. */
export async function pendingEnrolmentOperator(
  t: TestServer,
  role: OperatorRole = 'admin',
): Promise<{ browser: Browser; operatorId: string }> {
  const email = `enrolling${++counter}.${Date.now().toString(36)}@example.com`;
  const operatorId = await t.server.services.operators.createFromCli({ email, password: PASSWORD, workspaceId: t.workspaceId, role });
  const browser = newBrowser();
  const signedIn = await browse(t, browser, 'dashboard.signIn', { email, password: PASSWORD });
  if (signedIn.status !== 200) throw new Error(`signIn: ${signedIn.status} ${JSON.stringify(signedIn.body)}`);
  await loadCsrf(t, browser);
  return { browser, operatorId };
}

/** An enrolled operator who has given the password but not yet the code: a session pending MFA, its CSRF token loaded. */
export async function pendingMfaOperator(
  t: TestServer,
  role: OperatorRole = 'admin',
): Promise<{ browser: Browser; operatorId: string; secret: string; recoveryCodes: string[] }> {
  const enrolled = await signedInOperator(t, role);
  const browser = newBrowser();
  const signedIn = await browse(t, browser, 'dashboard.signIn', { email: enrolled.email, password: PASSWORD });
  if (signedIn.status !== 200) throw new Error(`signIn: ${signedIn.status} ${JSON.stringify(signedIn.body)}`);
  await loadCsrf(t, browser);
  browser.workspaceId = t.workspaceId;
  return { ...enrolled, browser };
}

/**
 * A browser that a dashboard route's session requirement admits (dashboard-route.ts): none for 'none', a pending
 * session for the pending states, an active admin's session otherwise (it satisfies 'any', 'active' and 'admin').
 */
export async function browserFor(
  t: TestServer,
  need: SessionRequirement,
): Promise<{ browser: Browser; operatorId?: string; secret?: string; recoveryCodes?: string[] }> {
  switch (need) {
    case 'none':
      return { browser: newBrowser() };
    case 'pending_enrolment':
      return pendingEnrolmentOperator(t);
    case 'pending_mfa':
      return pendingMfaOperator(t);
    default:
      return signedInOperator(t, 'admin');
  }
}
