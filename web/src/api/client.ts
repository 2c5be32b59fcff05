/**
 * Every call the dashboard makes: POST /v2/<operation> on the same origin, JSON in and out, with the session cookie
 * (sent by the browser, HttpOnly: this code never sees it), the CSRF token and the workspace the operator acts in.
 * Answers are Keyward's envelopes (docs/errors.md): `{ data }`, or `{ error: { detail, ... } }` whose detail is shown
 * to the operator as the server wrote it.
 */

/** One field the server refused, as the error envelope's `errors[]` lists it. */
export interface FieldProblem {
  location: string;
  message: string;
  fix?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    readonly detail: string,
    readonly problems: FieldProblem[] = [],
    readonly retryAfterSeconds?: number,
  ) {
    super(detail);
    this.name = 'ApiError';
  }

  /** The last segment of the error's type URL (`.../keyward/dashboard/session_invalid` → `session_invalid`). */
  get code(): string {
    return this.type.slice(this.type.lastIndexOf('/') + 1);
  }
}

/** What the calls of a signed-in operator carry besides the cookie; set once the session is known (session.tsx). */
const credentials: { csrfToken?: string; workspaceId?: string } = {};

export function setCredentials(csrfToken: string | undefined, workspaceId: string | undefined): void {
  credentials.csrfToken = csrfToken;
  credentials.workspaceId = workspaceId;
}

/** Told when a call made with a session is refused for want of one (expired, signed out elsewhere): back to sign-in. */
let onSessionLost: ((error: ApiError) => void) | undefined;
export function whenSessionLost(listener: (error: ApiError) => void): void {
  onSessionLost = listener;
}

export interface Page<T> {
  data: T;
  pagination?: { cursor?: string; hasMore: boolean };
}

/** Calls one operation and returns its envelope's data and pagination; throws ApiError for any error answer. */
export async function callPage<T>(operation: string, body: object = {}): Promise<Page<T>> {
  const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
  if (credentials.csrfToken) headers['x-keyward-csrf'] = credentials.csrfToken;
  if (credentials.workspaceId) headers['x-keyward-workspace'] = credentials.workspaceId;
  let response: Response;
  try {
    response = await fetch(`/v2/${operation}`, { method: 'POST', headers, body: JSON.stringify(body), credentials: 'same-origin' });
  } catch {
    throw new ApiError(0, 'network', 'The server could not be reached. Check that Keyward is running, then try again.');
  }
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ApiError(response.status, 'unreadable', `The server answered ${response.status} with a body that is not JSON.`);
  }
  const envelope = parsed as { data?: T; pagination?: Page<T>['pagination']; error?: Partial<ApiErrorBody> };
  if (!response.ok || envelope.error) {
    const error = envelope.error ?? {};
    const retryAfter = Number(response.headers.get('retry-after'));
    const failure = new ApiError(
      error.status ?? response.status,
      error.type ?? 'unknown',
      error.detail ?? `The server answered ${response.status}.`,
      error.errors ?? [],
      Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter : undefined,
    );
    // Only the session's own refusal ends it: a wrong MFA code is a 401 too (mfa_code_invalid), and must not sign out.
    if (failure.code === 'session_invalid' && credentials.csrfToken) onSessionLost?.(failure);
    throw failure;
  }
  return { data: envelope.data as T, ...(envelope.pagination ? { pagination: envelope.pagination } : {}) };
}

interface ApiErrorBody {
  title: string;
  detail: string;
  status: number;
  type: string;
  errors: FieldProblem[];
}

/** One page of a list operation's items; `cursor` is where the next page starts, absent on the last one. */
export interface ListPage<T> {
  items: T[];
  cursor?: string;
}

/** Calls a list operation for the page after `cursor` (the first page without one). */
export async function listPage<T>(operation: string, body: object, cursor?: string): Promise<ListPage<T>> {
  const answer = await callPage<T[]>(operation, cursor ? { ...body, cursor } : body);
  const next = answer.pagination?.hasMore ? answer.pagination.cursor : undefined;
  return next ? { items: answer.data, cursor: next } : { items: answer.data };
}

export async function call<T>(operation: string, body: object = {}): Promise<T> {
  return (await callPage<T>(operation, body)).data;
}
