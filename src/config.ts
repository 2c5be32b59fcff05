import { resolve } from 'node:path';
import { analyticsCaptureConfig, analyticsStoreConfig } from './config/analytics.js';
import { defaultDashboardDir } from './config/install-dir.js';
import { integer, percentList, text } from './config/parse.js';
import { tlsConfig } from './config/tls.js';
import { trustProxySetting } from './config/trust-proxy.js';
import type { Config } from './config/types.js';
import { databaseSetting, isRedisUrl, maskPassword } from './config/urls.js';
import { vaultConfig } from './config/vault.js';
import { leakReportConfig } from './config/leak-reports.js';
import { RATELIMIT_FAILURE_MODES, type RatelimitFailureMode } from './ratelimit/failure-mode.js';
import { SETTINGS } from './settings.js';

export type { Config } from './config/types.js';

/**
 * The only reader of process.env. Every variable is one of SETTINGS (settings.ts), parsed and checked once; all
 * problems are reported together, and the result is frozen. Secrets (the passwords in the database and Redis
 * URLs, the master keys, the vault token) are redacted by `describeConfig`. The parsers and each concern's settings
 * (URLs, trust proxy, TLS, vault, analytics) live in config/, one module each; they read only the env loadConfig
 * hands them.
 */

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Requests per minute; the database column is a 32-bit integer on PostgreSQL. */
export const MAX_WORKSPACE_RATE_LIMIT = 1_000_000_000;

/** Processes `keyward start --workers N` may run: beyond the cores of any one machine this serves nothing more. */
export const MAX_WORKERS = 256;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const problems: string[] = [];
  const port = integer(env, 'KEYWARD_PORT', SETTINGS.KEYWARD_PORT.default, 0, 65535, problems);
  const host = text(env, 'KEYWARD_HOST') || SETTINGS.KEYWARD_HOST.default;
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) problems.push(`KEYWARD_HOST must be a host name or IP address, got "${host}"`);
  const dataDir = resolve(text(env, 'KEYWARD_DATA_DIR') || SETTINGS.KEYWARD_DATA_DIR.default);

  const dashboardDir = resolve(text(env, 'KEYWARD_DASHBOARD_DIR') || defaultDashboardDir());

  const databaseUrl = databaseSetting(env, 'KEYWARD_DATABASE_URL', resolve(dataDir, 'keyward.sqlite'), problems);

  const logLevel = (text(env, 'KEYWARD_LOG_LEVEL') || SETTINGS.KEYWARD_LOG_LEVEL.default) as Config['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`KEYWARD_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);

  const redisUrl = text(env, 'KEYWARD_REDIS_URL') || null;
  // The URL is not echoed: it may carry a password.
  if (redisUrl !== null && !isRedisUrl(redisUrl)) problems.push('KEYWARD_REDIS_URL must be a redis:// or rediss:// URL with a host');

  const ratelimitFailureMode = (text(env, 'KEYWARD_RATELIMIT_FAILURE_MODE').toLowerCase() ||
    SETTINGS.KEYWARD_RATELIMIT_FAILURE_MODE.default) as RatelimitFailureMode;
  if (!RATELIMIT_FAILURE_MODES.includes(ratelimitFailureMode)) {
    problems.push(`KEYWARD_RATELIMIT_FAILURE_MODE must be open or closed, got "${text(env, 'KEYWARD_RATELIMIT_FAILURE_MODE')}"`);
  }

  // Unset or empty: no limit. Unlike the other integers, "no value" is not a number.
  const workspaceRateLimit =
    text(env, 'KEYWARD_WORKSPACE_RATE_LIMIT') === ''
      ? null
      : integer(env, 'KEYWARD_WORKSPACE_RATE_LIMIT', 0, 0, MAX_WORKSPACE_RATE_LIMIT, problems);

  const trustProxy = trustProxySetting(env, problems);

  const vault = vaultConfig(env, dataDir, databaseUrl, problems);

  const { tlsCertFile, tlsKeyFile } = tlsConfig(env, problems);

  // Finite: 0 (Node's "never") is refused, as an attack holds a connection for as long as it is allowed to.
  const milliseconds = (name: 'KEYWARD_REQUEST_TIMEOUT_MS' | 'KEYWARD_HEADERS_TIMEOUT_MS' | 'KEYWARD_KEEP_ALIVE_TIMEOUT_MS') =>
    integer(env, name, SETTINGS[name].default, 100, 3_600_000, problems);
  const requestTimeoutMs = milliseconds('KEYWARD_REQUEST_TIMEOUT_MS');
  const headersTimeoutMs = milliseconds('KEYWARD_HEADERS_TIMEOUT_MS');
  // Node refuses a headers timeout longer than the request's: the headers are part of the request.
  if (headersTimeoutMs > requestTimeoutMs) problems.push('KEYWARD_HEADERS_TIMEOUT_MS must not be longer than KEYWARD_REQUEST_TIMEOUT_MS');

  const analyticsStore = analyticsStoreConfig(env, databaseUrl, problems);

  const config: Config = {
    port,
    host,
    dataDir,
    dashboardDir,
    databaseUrl,
    databaseConnectTimeoutMs: integer(
      env,
      'KEYWARD_DATABASE_CONNECT_TIMEOUT_MS',
      SETTINGS.KEYWARD_DATABASE_CONNECT_TIMEOUT_MS.default,
      100,
      600_000,
      problems,
    ),
    databaseQueryTimeoutMs: integer(
      env,
      'KEYWARD_DATABASE_QUERY_TIMEOUT_MS',
      SETTINGS.KEYWARD_DATABASE_QUERY_TIMEOUT_MS.default,
      100,
      3_600_000,
      problems,
    ),
    // At most 2047: the SQLite that better-sqlite3 builds caps mmap_size there (SQLITE_MAX_MMAP_SIZE, 0x7fff0000
    // bytes) and would lower a larger value without a word.
    sqliteMmapBytes: integer(env, 'KEYWARD_SQLITE_MMAP_MB', SETTINGS.KEYWARD_SQLITE_MMAP_MB.default, 0, 2047, problems) * 1024 * 1024,
    logLevel,
    bodyLimit: integer(env, 'KEYWARD_BODY_LIMIT', SETTINGS.KEYWARD_BODY_LIMIT.default, 1024, 100 * 1024 * 1024, problems),
    requestTimeoutMs,
    headersTimeoutMs,
    keepAliveTimeoutMs: milliseconds('KEYWARD_KEEP_ALIVE_TIMEOUT_MS'),
    maxConnections: integer(env, 'KEYWARD_MAX_CONNECTIONS', SETTINGS.KEYWARD_MAX_CONNECTIONS.default, 1, 1_000_000, problems),
    shutdownDelayMs: integer(env, 'KEYWARD_SHUTDOWN_DELAY_MS', SETTINGS.KEYWARD_SHUTDOWN_DELAY_MS.default, 0, 600_000, problems),
    shutdownGraceMs: integer(env, 'KEYWARD_SHUTDOWN_GRACE_MS', SETTINGS.KEYWARD_SHUTDOWN_GRACE_MS.default, 100, 3_600_000, problems),
    cacheSize: integer(env, 'KEYWARD_CACHE_SIZE', SETTINGS.KEYWARD_CACHE_SIZE.default, 0, 10_000_000, problems),
    cacheMissSize: integer(env, 'KEYWARD_CACHE_MISS_SIZE', SETTINGS.KEYWARD_CACHE_MISS_SIZE.default, 0, 10_000_000, problems),
    ratelimitMaxCounters: integer(
      env,
      'KEYWARD_RATELIMIT_MAX_COUNTERS',
      SETTINGS.KEYWARD_RATELIMIT_MAX_COUNTERS.default,
      1,
      100_000_000,
      problems,
    ),
    ratelimitMaxCountersPerWorkspace: integer(
      env,
      'KEYWARD_RATELIMIT_MAX_COUNTERS_PER_WORKSPACE',
      SETTINGS.KEYWARD_RATELIMIT_MAX_COUNTERS_PER_WORKSPACE.default,
      1,
      100_000_000,
      problems,
    ),
    cacheFreshMs: integer(env, 'KEYWARD_CACHE_FRESH_MS', SETTINGS.KEYWARD_CACHE_FRESH_MS.default, 0, 86_400_000, problems),
    cacheStaleMs: integer(env, 'KEYWARD_CACHE_STALE_MS', SETTINGS.KEYWARD_CACHE_STALE_MS.default, 0, 86_400_000, problems),
    invalidationPollMs: integer(env, 'KEYWARD_INVALIDATION_POLL_MS', SETTINGS.KEYWARD_INVALIDATION_POLL_MS.default, 10, 60_000, problems),
    redisUrl,
    redisTimeoutMs: integer(env, 'KEYWARD_REDIS_TIMEOUT_MS', SETTINGS.KEYWARD_REDIS_TIMEOUT_MS.default, 1, 60_000, problems),
    ratelimitFailureMode,
    workspaceRateLimit,
    analyticsQueryTimeoutMs: integer(
      env,
      'KEYWARD_ANALYTICS_QUERY_TIMEOUT_MS',
      SETTINGS.KEYWARD_ANALYTICS_QUERY_TIMEOUT_MS.default,
      10,
      600_000,
      problems,
    ),
    analyticsQueryMaxRows: integer(
      env,
      'KEYWARD_ANALYTICS_QUERY_MAX_ROWS',
      SETTINGS.KEYWARD_ANALYTICS_QUERY_MAX_ROWS.default,
      1,
      1_000_000,
      problems,
    ),
    analyticsQueriesPerMinute: integer(
      env,
      'KEYWARD_ANALYTICS_QUERIES_PER_MINUTE',
      SETTINGS.KEYWARD_ANALYTICS_QUERIES_PER_MINUTE.default,
      1,
      MAX_WORKSPACE_RATE_LIMIT,
      problems,
    ),
    dashboardSessionIdleMs:
      integer(env, 'KEYWARD_DASHBOARD_SESSION_IDLE_MINUTES', SETTINGS.KEYWARD_DASHBOARD_SESSION_IDLE_MINUTES.default, 1, 1440, problems) *
      60_000,
    dashboardSessionMaxMs:
      integer(env, 'KEYWARD_DASHBOARD_SESSION_MAX_HOURS', SETTINGS.KEYWARD_DASHBOARD_SESSION_MAX_HOURS.default, 1, 720, problems) *
      3_600_000,
    nodeHeartbeatMs:
      integer(env, 'KEYWARD_NODE_HEARTBEAT_SECONDS', SETTINGS.KEYWARD_NODE_HEARTBEAT_SECONDS.default, 1, 3600, problems) * 1000,
    workers: integer(env, 'KEYWARD_WORKERS', SETTINGS.KEYWARD_WORKERS.default, 1, MAX_WORKERS, problems),
    publicUrl: publicUrl(text(env, 'KEYWARD_PUBLIC_URL'), problems),
    webhookAllowPrivateAddresses: onOff(env, 'KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES', problems),
    webhookTimeoutMs: integer(env, 'KEYWARD_WEBHOOK_TIMEOUT_MS', SETTINGS.KEYWARD_WEBHOOK_TIMEOUT_MS.default, 100, 60_000, problems),
    alertRatelimit: {
      refusals: integer(
        env,
        'KEYWARD_ALERT_RATELIMIT_REFUSALS',
        SETTINGS.KEYWARD_ALERT_RATELIMIT_REFUSALS.default,
        0,
        1_000_000_000,
        problems,
      ),
      windowMs:
        integer(
          env,
          'KEYWARD_ALERT_RATELIMIT_WINDOW_SECONDS',
          SETTINGS.KEYWARD_ALERT_RATELIMIT_WINDOW_SECONDS.default,
          1,
          86_400,
          problems,
        ) * 1000,
      cooldownMs:
        integer(
          env,
          'KEYWARD_ALERT_RATELIMIT_COOLDOWN_SECONDS',
          SETTINGS.KEYWARD_ALERT_RATELIMIT_COOLDOWN_SECONDS.default,
          1,
          2_592_000,
          problems,
        ) * 1000,
    },
    alertKeyExpiringMs:
      integer(env, 'KEYWARD_ALERT_KEY_EXPIRING_DAYS', SETTINGS.KEYWARD_ALERT_KEY_EXPIRING_DAYS.default, 0, 365, problems) * 86_400_000,
    alertCreditsThresholds: percentList(
      env,
      'KEYWARD_ALERT_CREDITS_THRESHOLDS',
      SETTINGS.KEYWARD_ALERT_CREDITS_THRESHOLDS.default,
      problems,
    ),
    trustProxy,
    tlsCertFile,
    tlsKeyFile,
    ...vault,
    ...leakReportConfig(env, problems),
    ...analyticsStore,
    ...analyticsCaptureConfig(env, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** An `on`/`off` setting (its default when unset). */
function onOff(env: NodeJS.ProcessEnv, name: 'KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES', problems: string[]): boolean {
  const raw = text(env, name) || SETTINGS[name].default;
  if (raw !== 'on' && raw !== 'off') problems.push(`${name} must be on or off, got "${raw}"`);
  return raw === 'on';
}

/** KEYWARD_PUBLIC_URL: an http(s) URL with a host and nothing after its path, kept without a trailing slash. */
function publicUrl(value: string, problems: string[]): string | null {
  if (value === '') return null;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol) || url.hostname === '' || url.search !== '' || url.hash !== '' || url.username !== '') {
    problems.push(`KEYWARD_PUBLIC_URL must be an http:// or https:// URL such as https://keys.example.com, got "${value}"`);
    return null;
  }
  return url.href.replace(/\/+$/, '');
}

/** The configuration as it may be printed: passwords, master keys and tokens are masked. */
export function describeConfig(config: Readonly<Config>): Record<string, unknown> {
  return {
    ...config,
    // Secrets of the vault: versions are shown, key material and the token never.
    masterKeys: config.masterKeys.map((k) => `${k.version}:***`),
    vaultToken: config.vaultToken === null ? null : '***',
    vaultDatabaseUrl: maskPassword(config.vaultDatabaseUrl),
    databaseUrl: maskPassword(config.databaseUrl),
    redisUrl: config.redisUrl === null ? null : maskPassword(config.redisUrl),
  };
}
