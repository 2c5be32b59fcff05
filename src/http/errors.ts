import type { FastifyReply, FastifyRequest } from 'fastify';
import type { ErrorCode, FieldProblem } from '../core/errors.js';
import { DATABASE_UNAVAILABLE_DETAIL, databaseUnavailableCause } from '../core/database-unavailable.js';
import { isStorageFull } from '../core/storage-full.js';

/**
 * THE mapping from error codes to HTTP. Typed as a Record over every code, so adding a code without
 * a status does not compile. `type` paths match Unkey's so clients that branch on them keep working;
 * Keyward-only codes live under `keyward/`. `INVALID_INPUT_ALIASES` are the codes that share invalid_input's type, as
 * upstream's answers do.
 */
export const ERROR_HTTP: Record<ErrorCode, { status: number; title: string; type: string }> = {
  invalid_input: { status: 400, title: 'Bad Request', type: 'unkey/application/invalid_input' },
  // Upstream answers an unparseable body and a missing Authorization header from its OpenAPI validator, which runs
  // before anything else: both carry invalid_input's type (issue 13, item 6). The codes stay apart for the logs.
  request_body_unreadable: { status: 400, title: 'Bad Request', type: 'unkey/application/invalid_input' },
  permissions_query_syntax_error: { status: 400, title: 'Bad Request', type: 'user/bad_request/permissions_query_syntax_error' },
  invalid_analytics_query: { status: 400, title: 'Bad Request', type: 'user/bad_request/invalid_analytics_query' },
  invalid_analytics_query_type: { status: 400, title: 'Bad Request', type: 'user/bad_request/invalid_analytics_query_type' },
  invalid_analytics_table: { status: 400, title: 'Bad Request', type: 'user/bad_request/invalid_analytics_table' },
  invalid_analytics_function: { status: 400, title: 'Bad Request', type: 'user/bad_request/invalid_analytics_function' },
  query_range_exceeds_retention: { status: 400, title: 'Bad Request', type: 'user/bad_request/query_range_exceeds_retention' },
  auth_missing: { status: 400, title: 'Bad Request', type: 'unkey/application/invalid_input' },
  auth_malformed: { status: 400, title: 'Bad Request', type: 'unkey/authentication/malformed' },
  root_key_not_found: { status: 401, title: 'Unauthorized', type: 'unkey/authentication/key_not_found' },
  insufficient_permissions: { status: 403, title: 'Insufficient Permissions', type: 'unkey/authorization/insufficient_permissions' },
  root_key_disabled: { status: 403, title: 'Key is disabled', type: 'unkey/authorization/key_disabled' },
  root_key_expired: { status: 403, title: 'Forbidden', type: 'unkey/authorization/forbidden' },
  workspace_disabled: { status: 403, title: 'Workspace is disabled', type: 'unkey/authorization/workspace_disabled' },
  invalid_credentials: { status: 401, title: 'Unauthorized', type: 'keyward/dashboard/invalid_credentials' },
  setup_token_invalid: { status: 401, title: 'Unauthorized', type: 'keyward/dashboard/setup_token_invalid' },
  mfa_code_invalid: { status: 401, title: 'Unauthorized', type: 'keyward/dashboard/mfa_code_invalid' },
  session_invalid: { status: 401, title: 'Unauthorized', type: 'keyward/dashboard/session_invalid' },
  csrf_token_invalid: { status: 403, title: 'Forbidden', type: 'keyward/dashboard/csrf_token_invalid' },
  operator_not_found: { status: 404, title: 'Not Found', type: 'keyward/data/operator_not_found' },
  operator_already_exists: { status: 409, title: 'Conflicting Resource', type: 'keyward/data/operator_already_exists' },
  last_admin: { status: 409, title: 'Conflicting Resource', type: 'keyward/dashboard/last_admin' },
  sign_in_rate_limited: { status: 429, title: 'Too Many Requests', type: 'keyward/dashboard/sign_in_rate_limited' },
  leak_report_signature_invalid: { status: 401, title: 'Unauthorized', type: 'keyward/leak_reports/signature_invalid' },
  leak_report_replayed: { status: 409, title: 'Conflicting Resource', type: 'keyward/leak_reports/replayed' },
  leak_reports_rate_limited: { status: 429, title: 'Too Many Requests', type: 'keyward/leak_reports/rate_limited' },
  route_not_found: { status: 404, title: 'Not Found', type: 'keyward/routing/route_not_found' },
  key_not_found: { status: 404, title: 'Not Found', type: 'unkey/data/key_not_found' },
  api_not_found: { status: 404, title: 'Not Found', type: 'unkey/data/api_not_found' },
  identity_not_found: { status: 404, title: 'Not Found', type: 'unkey/data/identity_not_found' },
  permission_not_found: { status: 404, title: 'Not Found', type: 'unkey/data/permission_not_found' },
  role_not_found: { status: 404, title: 'Not Found', type: 'unkey/data/role_not_found' },
  ratelimit_namespace_not_found: { status: 404, title: 'Not Found', type: 'unkey/data/ratelimit_namespace_not_found' },
  ratelimit_override_not_found: { status: 404, title: 'Not Found', type: 'unkey/data/ratelimit_override_not_found' },
  migration_not_found: { status: 404, title: 'Not Found', type: 'unkey/data/migration_not_found' },
  root_key_id_not_found: { status: 404, title: 'Not Found', type: 'keyward/data/root_key_not_found' },
  webhook_endpoint_not_found: { status: 404, title: 'Not Found', type: 'keyward/data/webhook_endpoint_not_found' },
  webhook_delivery_not_found: { status: 404, title: 'Not Found', type: 'keyward/data/webhook_delivery_not_found' },
  request_timeout: { status: 408, title: 'Request Timeout', type: 'user/bad_request/request_timeout' },
  identity_already_exists: { status: 409, title: 'Conflicting Resource', type: 'unkey/data/identity_already_exists' },
  permission_already_exists: { status: 409, title: 'Conflicting Resource', type: 'unkey/data/permission_already_exists' },
  role_already_exists: { status: 409, title: 'Conflicting Resource', type: 'unkey/data/role_already_exists' },
  ratelimit_namespace_gone: { status: 410, title: 'Resource Gone', type: 'unkey/data/ratelimit_namespace_gone' },
  protected_resource: { status: 412, title: 'Resource is protected', type: 'unkey/application/protected_resource' },
  precondition_failed: { status: 412, title: 'Precondition Failed', type: 'unkey/application/precondition_failed' },
  request_body_too_large: { status: 413, title: 'Request Entity Too Large', type: 'user/bad_request/request_body_too_large' },
  request_headers_too_large: {
    status: 431,
    title: 'Request Header Fields Too Large',
    type: 'keyward/bad_request/request_headers_too_large',
  },
  // One code for both limits: the row cap is applied as a LIMIT (src/analytics/query/translate.ts), so in practice
  // only the time limit is hit, and upstream answers that with this type.
  analytics_query_too_expensive: {
    status: 422,
    title: 'Unprocessable Entity',
    type: 'user/unprocessable_entity/query_execution_timeout',
  },
  analytics_rate_limited: { status: 429, title: 'Too Many Requests', type: 'user/too_many_requests/query_quota_exceeded' },
  workspace_rate_limited: { status: 429, title: 'Too Many Requests', type: 'user/too_many_requests/workspace_rate_limited' },
  unexpected_error: { status: 500, title: 'Internal Server Error', type: 'unkey/application/unexpected_error' },
  analytics_unavailable: { status: 503, title: 'Service Unavailable', type: 'unkey/data/analytics_connection_failed' },
  database_unavailable: { status: 503, title: 'Service Unavailable', type: 'keyward/dependency/database_unavailable' },
  storage_full: { status: 503, title: 'Service Unavailable', type: 'keyward/storage/storage_full' },
  dashboard_not_built: { status: 503, title: 'Service Unavailable', type: 'keyward/dashboard/dashboard_not_built' },
};

/** Codes answered with invalid_input's `type`, as upstream answers them; every other code has a type of its own. */
export const INVALID_INPUT_ALIASES: readonly ErrorCode[] = ['request_body_unreadable', 'auth_missing'];

export const ERROR_TYPE_BASE = 'https://unkey.com/docs/errors/';

export interface ErrorBody {
  meta: { requestId: string };
  error: { title: string; detail: string; status: number; type: string; errors?: FieldProblem[] };
}

const WITH_ERRORS = new Set([400, 408, 413, 431]);

export function errorBody(requestId: string, code: ErrorCode, detail: string, problems: FieldProblem[] = []): ErrorBody {
  const http = ERROR_HTTP[code];
  const error: ErrorBody['error'] = { title: http.title, detail, status: http.status, type: ERROR_TYPE_BASE + http.type };
  // Clients require `errors` on every 400; upstream sends it (possibly empty) on 400, 408 and 413, and Keyward's 431
  // (an HTTP-layer refusal like them) does the same.
  if (WITH_ERRORS.has(http.status) || problems.length > 0) {
    error.errors = problems.map((p) => (p.fix === undefined ? { location: p.location, message: p.message } : p));
  }
  return { meta: { requestId }, error };
}

/** As upstream: problem+json only when the client's Accept asks for it (or for anything). */
export function errorContentType(accept = ''): string {
  return /application\/problem\+json|application\/\*|\*\/\*/.test(accept) ? 'application/problem+json' : 'application/json';
}

export function sendError(
  request: FastifyRequest,
  reply: FastifyReply,
  code: ErrorCode,
  detail: string,
  problems: FieldProblem[] = [],
): FastifyReply {
  const body = errorBody(String(request.id), code, detail, problems);
  return reply.code(body.error.status).type(errorContentType(request.headers.accept)).serializer(JSON.stringify).send(body);
}

/** What a 500 tells the client: nothing of the failure, which goes to the log under the request id it answers. */
export const UNEXPECTED_DETAIL = 'Something unexpected went wrong; the request id identifies it in the server log.';

export const STORAGE_FULL_DETAIL = 'The server cannot store anything: its disk is full. Nothing was changed; retry later.';

/** Where a failure that is no KeywardError is told: the database's throttled warning, or the request's log. */
export interface FailureSinks {
  /** The database's rate-limited warning (server.ts): a dependency that is down fails on every request. */
  databaseFailures: { report(error: unknown): void };
  logError(fields: Record<string, unknown>, message: string): void;
}

/**
 * How a failure that is no KeywardError is answered and logged, on both request paths (Fastify and the verify lane):
 * the database unavailable (core/database-unavailable.ts) as 503 `database_unavailable`, reported to the throttled
 * warning; a full disk (core/storage-full.ts) as 503 `storage_full`; anything else as a 500. Each is what clients and
 * operators need to see (issue 12, finding 5).
 */
export function answerFailure(
  error: unknown,
  sinks: FailureSinks,
  fields: Record<string, unknown> = {},
): { code: ErrorCode; detail: string } {
  if (databaseUnavailableCause(error) !== undefined) {
    sinks.databaseFailures.report(error);
    return { code: 'database_unavailable', detail: DATABASE_UNAVAILABLE_DETAIL };
  }
  if (isStorageFull(error)) {
    sinks.logError({ err: error, ...fields }, 'storage full: a write was refused, nothing was changed');
    return { code: 'storage_full', detail: STORAGE_FULL_DETAIL };
  }
  sinks.logError({ err: error, ...fields }, 'unexpected error');
  return { code: 'unexpected_error', detail: UNEXPECTED_DETAIL };
}

export function sendFailure(
  request: FastifyRequest,
  reply: FastifyReply,
  error: unknown,
  databaseFailures: FailureSinks['databaseFailures'],
): FastifyReply {
  const failure = answerFailure(error, { databaseFailures, logError: (fields, message) => request.log.error(fields, message) });
  return sendError(request, reply, failure.code, failure.detail);
}
