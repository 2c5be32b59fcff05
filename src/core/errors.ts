/**
 * Every failure Keyward reports is a KeywardError with one of these closed codes.
 * http/errors.ts maps each code to a status, title and `type` URL; docs/errors.md documents each one,
 * and a test keeps the three in step.
 */
export const ERROR_CODES = [
  'invalid_input',
  'request_body_unreadable',
  'request_body_too_large',
  'request_headers_too_large',
  'request_timeout',
  'auth_missing',
  'auth_malformed',
  'root_key_not_found',
  'insufficient_permissions',
  'root_key_disabled',
  'root_key_expired',
  'workspace_disabled',
  'route_not_found',
  'invalid_credentials',
  'setup_token_invalid',
  'mfa_code_invalid',
  'session_invalid',
  'csrf_token_invalid',
  'operator_not_found',
  'operator_already_exists',
  'last_admin',
  'sign_in_rate_limited',
  'leak_report_signature_invalid',
  'leak_report_replayed',
  'leak_reports_rate_limited',
  'key_not_found',
  'api_not_found',
  'identity_not_found',
  'permission_not_found',
  'role_not_found',
  'ratelimit_namespace_not_found',
  'ratelimit_override_not_found',
  'migration_not_found',
  'root_key_id_not_found',
  'webhook_endpoint_not_found',
  'webhook_delivery_not_found',
  'identity_already_exists',
  'permission_already_exists',
  'role_already_exists',
  'ratelimit_namespace_gone',
  'protected_resource',
  'precondition_failed',
  'permissions_query_syntax_error',
  'invalid_analytics_query',
  'invalid_analytics_query_type',
  'invalid_analytics_table',
  'invalid_analytics_function',
  'query_range_exceeds_retention',
  'analytics_query_too_expensive',
  'analytics_rate_limited',
  'workspace_rate_limited',
  'analytics_unavailable',
  'database_unavailable',
  'storage_full',
  'dashboard_not_built',
  'unexpected_error',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface FieldProblem {
  location: string;
  message: string;
  fix?: string;
}

export class KeywardError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly detail: string,
    readonly problems: FieldProblem[] = [],
    /** Response headers the answer carries (Retry-After of a 429 a service decides). */
    readonly headers?: Readonly<Record<string, string>>,
  ) {
    super(detail);
    this.name = 'KeywardError';
  }
}

export const notFound = (code: ErrorCode, detail: string) => new KeywardError(code, detail);
export const badInput = (detail: string, problems: FieldProblem[] = []) => new KeywardError('invalid_input', detail, problems);
