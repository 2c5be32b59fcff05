import type { Generated } from 'kysely';

/** Row shapes as Kysely sees them. Times are ms integers, booleans 0/1, JSON text (see the migration). */

export interface Tables {
  keyward_state: { name: string; value: string };
  operators: {
    id: string;
    email: string;
    password_hash: string;
    totp_secret: string | null;
    totp_last_step: number | string | null;
    created_at: number;
  };
  operator_memberships: { operator_id: string; workspace_id: string; role: string; created_at: number };
  operator_recovery_codes: { operator_id: string; code_hash: string; created_at: number; used_at: number | null };
  operator_sessions: {
    token_hash: string;
    operator_id: string;
    state: string;
    csrf_token: string;
    enrolment_secret: string | null;
    created_at: number;
    last_seen_at: number;
    expires_at: number;
  };
  operator_setup_tokens: { token_hash: string; created_at: number; expires_at: number };
  /** Migration 0011. */
  key_leaks: {
    id: string;
    workspace_id: string;
    key_id: string;
    reported_at: number | string;
    reporter: string;
    token_type: string;
    url: string | null;
    source: string | null;
    action: string;
  };
  leak_report_digests: { digest: string; seen_at: number | string };
  nodes: {
    id: string;
    name: string;
    hostname: string;
    version: string;
    engine: string;
    database_state: string;
    redis_state: string;
    started_at: number | string;
    last_seen_at: number | string;
    /** Space-separated names (migration 0015); '' in the rows of nodes of earlier versions. */
    capabilities: string;
  };
  workspaces: {
    id: string;
    name: string;
    enabled: number;
    api_rate_limit: number | null;
    created_at: number;
    deleted_at: number | null;
  };
  root_keys: {
    id: string;
    workspace_id: string;
    name: string | null;
    hash: string;
    start: string;
    permissions: string;
    enabled: number;
    created_by: string | null;
    created_at: number;
    updated_at: number | null;
    expires: number | null;
    last_used_at: number | null;
    deleted_at: number | null;
    environment: string | null;
    retires_at: number | null;
  };
  apis: {
    id: string;
    workspace_id: string;
    name: string;
    delete_protection: number;
    store_encrypted_keys: number;
    default_prefix: string | null;
    default_byte_length: number | null;
    /** 'checksummed' | 'base58' (migration 0010). */
    key_format: Generated<string>;
    ip_whitelist: string | null;
    /** Migration 0011; the database's default is 'disable'. */
    leak_policy: Generated<string>;
    created_at: number;
    updated_at: number | null;
    deleted_at: number | null;
  };
  identities: {
    id: string;
    workspace_id: string;
    external_id: string;
    environment: string;
    meta: string | null;
    created_at: number;
    updated_at: number | null;
    deleted_at: number | null;
  };
  keys: {
    id: string;
    workspace_id: string;
    api_id: string;
    hash: string;
    start: string;
    prefix: string | null;
    name: string | null;
    identity_id: string | null;
    meta: string | null;
    enabled: number;
    expires: number | null;
    remaining: number | null;
    refill_amount: number | null;
    refill_day: number | null;
    last_refill_at: number | null;
    last_used_at: number | null;
    pending_migration_id: string | null;
    created_at: number;
    updated_at: number | null;
    deleted_at: number | null;
    one_time: number;
    consumed_at: number | null;
    sliding_expiration: number | null;
    credits_base: number | null;
    credits_alerted: number;
    expiry_alerted_for: number | null;
  };
  ratelimit_alerts: {
    workspace_id: string;
    subject_id: string;
    identifier: string;
    last_fired_at: number;
  };
  ratelimits: {
    id: string;
    workspace_id: string;
    key_id: string | null;
    identity_id: string | null;
    name: string;
    limit: number;
    duration: number;
    auto_apply: number;
    created_at: number;
    updated_at: number | null;
  };
  permissions: {
    id: string;
    workspace_id: string;
    name: string;
    slug: string;
    description: string | null;
    created_at: number;
    updated_at: number | null;
  };
  roles: {
    id: string;
    workspace_id: string;
    name: string;
    description: string | null;
    created_at: number;
    updated_at: number | null;
  };
  key_permissions: { key_id: string; permission_id: string; workspace_id: string; created_at: number };
  key_roles: { key_id: string; role_id: string; workspace_id: string; created_at: number };
  role_permissions: { role_id: string; permission_id: string; workspace_id: string; created_at: number };
  ratelimit_namespaces: {
    id: string;
    workspace_id: string;
    name: string;
    created_at: number;
    updated_at: number | null;
    deleted_at: number | null;
  };
  ratelimit_overrides: {
    id: string;
    workspace_id: string;
    namespace_id: string;
    identifier: string;
    limit: number;
    duration: number;
    created_at: number;
    updated_at: number | null;
    deleted_at: number | null;
  };
  encrypted_keys: { key_id: string; workspace_id: string; ciphertext: string; encryption_key_id: string; created_at: number };
  key_migrations: { id: string; workspace_id: string; algorithm: string; created_at: number };
  audit_logs: {
    id: string;
    workspace_id: string;
    event: string;
    time: number;
    actor_type: string;
    actor_id: string;
    actor_name: string | null;
    description: string;
    resources: string;
    source_ip: string | null;
    user_agent: string | null;
    request_id: string | null;
    chain_seq: number | null;
    chain_hash: string | null;
  };
  /** Migration 0012: a workspace's webhook endpoints; `event_types` is a JSON array (empty: every type). */
  webhook_endpoints: {
    id: string;
    workspace_id: string;
    url: string;
    description: string | null;
    secret: string;
    event_types: string;
    enabled: number;
    created_at: number;
    updated_at: number | null;
  };
  /** Migration 0012: the outbox and delivery log, one row per (event, endpoint). */
  webhook_deliveries: {
    id: string;
    workspace_id: string;
    endpoint_id: string;
    event_type: string;
    payload: string;
    status: string;
    attempts: number;
    next_attempt_at: number;
    give_up_at: number;
    created_at: number;
    last_attempt_at: number | null;
    last_status_code: number | null;
    last_error: string | null;
    last_duration_ms: number | null;
    delivered_at: number | null;
  };
  audit_chain_heads: { workspace_id: string; seq: number; hash: string; last_id: string | null };
  /** Migration 0005; `seq` is numbered by the database. */
  change_log: { seq: Generated<number>; at: number; kind: string; workspace_id: string | null; hash: string | null };
  audit_log_resources: { audit_log_id: string; workspace_id: string; resource_type: string; resource_id: string };
  key_verifications: {
    request_id: string;
    time: number;
    workspace_id: string;
    api_id: string | null;
    key_id: string | null;
    identity_id: string | null;
    outcome: string;
    tags: string | null;
    spent_credits: number;
    latency: number;
  };
}
