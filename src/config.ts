import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, resolve } from 'node:path';
import { isPostgresUrl } from './core/database-url.js';
import { ipEntryProblem } from './core/ip-whitelist.js';
import { RATELIMIT_FAILURE_MODES, type RatelimitFailureMode } from './ratelimit/failure-mode.js';
import { SETTINGS, type SettingName } from './settings.js';
import { parseMasterKeys, type MasterKeySpec } from './vault/master-keys.js';
import { isLoopbackHost, MIN_VAULT_TOKEN_CHARS } from './vault/vault.js';

/**
 * The only reader of process.env. Every variable is one of SETTINGS (settings.ts), parsed and checked once; all
 * problems are reported together, and the result is frozen. Secrets (the passwords in the database and Redis
 * URLs, the master keys, the vault token) are redacted by `describeConfig`.
 */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** A SQLite file path or a postgres:// URL. */
  databaseUrl: string;
  /** PostgreSQL: the most a connection (or a free pooled one) and one statement may take before a 503 (storage/postgres/open.ts). */
  databaseConnectTimeoutMs: number;
  databaseQueryTimeoutMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Largest accepted request body, bytes. */
  bodyLimit: number;
  /**
   * Connection limits (issue 11, finding 7): the time to receive a whole request and its headers (headers within the
   * request's time), an idle keep-alive connection's life, and the open connections at most.
   */
  requestTimeoutMs: number;
  headersTimeoutMs: number;
  keepAliveTimeoutMs: number;
  maxConnections: number;
  /**
   * Stopping (issue 12, finding 4; src/http/draining.ts): how long the node keeps serving with readiness failing, so a
   * load balancer stops sending it work, then how long it waits for requests in flight before cutting them.
   */
  shutdownDelayMs: number;
  shutdownGraceMs: number;
  /** Found entries in each in-process lookup cache (keys, root keys, rate-limit namespaces). */
  cacheSize: number;
  /** Misses (lookups that found nothing) each of those caches remembers, apart from its found entries. */
  cacheMissSize: number;
  /** How long a cached lookup is served without a refresh, and how long past that it may be served while refreshing. */
  cacheFreshMs: number;
  cacheStaleMs: number;
  /** redis:// or rediss://: shared rate-limit counters and cache invalidation across nodes. null: one node, in memory. */
  redisUrl: string | null;
  /** How long a Redis command may take before it counts as failed (src/redis/client.ts). */
  redisTimeoutMs: number;
  /** What rate limits answer while the limiter fails (src/ratelimit/failure-mode.ts); the workspace API limit always fails open. */
  ratelimitFailureMode: RatelimitFailureMode;
  /** How often every node reads the change log for invalidations Redis did not bring (docs/decisions/0013). */
  invalidationPollMs: number;
  /** The in-memory limiter's bounds (ratelimit/bounded-counters.ts): counters in all, and per workspace. */
  ratelimitMaxCounters: number;
  ratelimitMaxCountersPerWorkspace: number;
  /**
   * Requests per minute each workspace may make through the API, for workspaces without their own value
   * (set with `keyward workspace-limit`). null: unlimited. 0: every request is refused with 429.
   */
  workspaceRateLimit: number | null;
  /** analytics.getVerifications / getRatelimits (src/services/analytics.ts): each query's time and row limits, and queries per minute per workspace. */
  analyticsQueryTimeoutMs: number;
  analyticsQueryMaxRows: number;
  analyticsQueriesPerMinute: number;
  /**
   * Where the client IP (API IP whitelists, audit) comes from (http/client-ip.ts). false: the connection's peer.
   * true: the first X-Forwarded-For entry, whoever sent it (only behind a proxy that sets that header: without one,
   * any client could claim any address with it). A list of trusted proxies' addresses and CIDR ranges:
   * X-Forwarded-For only from those peers, and its right-most entry that is not one of them.
   */
  trustProxy: boolean | readonly string[];
  /**
   * Recoverable keys (src/vault). Master keys from KEYWARD_MASTER_KEYS (`<version>:<base64 of 32 bytes>`,
   * comma-separated; the highest version wraps new data keys). Empty, and no vaultUrl: no vault, so
   * recoverable keys answer 412.
   */
  masterKeys: readonly MasterKeySpec[];
  /** The default vault store's directory (`<data dir>/vault`): apart from the main database. */
  vaultDir: string;
  /** The vault store (wrapped data keys): a SQLite file (default `<vault dir>/vault.sqlite`) or a postgres:// URL of another database. */
  vaultDatabaseUrl: string;
  /** A `keyward vault serve` process to use instead of a local vault; this process then holds no master key. */
  vaultUrl: string | null;
  /** The bearer token between API nodes and `keyward vault serve` (both sides). */
  vaultToken: string | null;
  /** A PEM file with the CA to trust for an https KEYWARD_VAULT_URL; null: the system's CAs. */
  vaultCaFile: string | null;
  /** Where `keyward vault serve` listens. */
  vaultHost: string;
  vaultPort: number;
  /** PEM certificate and key files: the API is then served over HTTPS with TLS 1.3 only; both or neither. */
  tlsCertFile: string | null;
  tlsKeyFile: string | null;
  /** PEM certificate and key for `keyward vault serve` (HTTPS, TLS 1.3 minimum); both or neither. */
  vaultTlsCertFile: string | null;
  vaultTlsKeyFile: string | null;
  /** Encryptions per data key before the vault retires it and makes a new one. */
  vaultDekMaxEncryptions: number;
  /**
   * Where analytics events live on SQLite (src/analytics/sqlite-file.ts): a file of its own, by default beside the
   * main one (`<file>.analytics`). null on PostgreSQL, where they are tables of the main database.
   */
  analyticsDatabaseUrl: string | null;
  /** Days each kind of analytics table keeps its rows (raw events, and each rollup by its bucket start); 0 keeps forever. */
  analyticsRetentionDays: { raw: number; minute: number; hour: number; day: number; month: number };
  /**
   * Analytics capture (src/analytics/recorder.ts): whether verifications and rate-limit decisions are recorded; the
   * buffer's bound in events, the events per write and the time between writes; the node's name in every event.
   */
  analytics: boolean;
  analyticsBufferEvents: number;
  analyticsFlushEvents: number;
  analyticsFlushMs: number;
  nodeName: string;
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

/** Requests per minute; the database column is a 32-bit integer on PostgreSQL. */
export const MAX_WORKSPACE_RATE_LIMIT = 1_000_000_000;

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

function integer(env: NodeJS.ProcessEnv, name: SettingName, fallback: number, min: number, max: number, problems: string[]): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw.trim()) || !Number.isSafeInteger(value) || value < min || value > max) {
    problems.push(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
    return fallback;
  }
  return value;
}

/** The variable trimmed; unset reads as empty. */
function text(env: NodeJS.ProcessEnv, name: SettingName): string {
  return env[name]?.trim() ?? '';
}

/** A file path, resolved; unset or empty: null. */
function file(env: NodeJS.ProcessEnv, name: SettingName): string | null {
  const path = text(env, name);
  return path ? resolve(path) : null;
}

function isRedisUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return (url.protocol === 'redis:' || url.protocol === 'rediss:') && url.hostname !== '';
  } catch {
    return false;
  }
}

/** `scheme:` at the start of a value: a URL, or an attempt at one. One letter is left out: a drive (`C:`) is a path. */
const SCHEME = /^([a-z][a-z0-9+.-]+):/i;
/** A scheme Keyward reads whose `:` was lost (`postgres//host/db`): a relative path in form, a typo in fact. */
const SCHEME_WITHOUT_COLON = /^(postgres(ql)?|sqlite|rediss?)\/\//i;
const DATABASE_URL_FORMS = 'postgres://user:password@host:5432/database, or a SQLite file path (or sqlite:///path)';

/**
 * KEYWARD_DATABASE_URL or KEYWARD_VAULT_DATABASE_URL: a well-formed PostgreSQL URL that names a host and a database,
 * or a SQLite file path, made absolute. A value that looks like a URL but is not one of these is refused rather than
 * taken for a file path (issue 12, finding 7: `postgres:/broken` made a directory `./postgres:`), and a PostgreSQL URL
 * without a database is refused rather than left to default to the `postgres` database. Only the scheme is quoted back:
 * the value may hold a password.
 */
function databaseSetting(env: NodeJS.ProcessEnv, name: SettingName, fallbackPath: string, problems: string[]): string {
  const raw = text(env, name);
  if (raw === '') return fallbackPath;
  const problem = (what: string) => {
    problems.push(`${name} ${what}`);
    return fallbackPath;
  };
  if (isPostgresUrl(raw)) {
    let url: URL;
    try {
      url = new URL(raw);
    } catch {
      return problem('is not a valid URL');
    }
    // pg takes the host from the authority, or from `?host=` (a Unix socket directory).
    if (url.hostname === '' && !url.searchParams.get('host')) return problem(`names no host: write it as ${DATABASE_URL_FORMS}`);
    if (safeDecode(url.pathname.slice(1)) === '') {
      return problem(`names no database, and PostgreSQL would use the "postgres" database: write it as ${DATABASE_URL_FORMS}`);
    }
    return raw;
  }
  if (/^sqlite:\/\//i.test(raw)) {
    const path = raw.replace(/^sqlite:\/\//i, '');
    return path === '' ? problem('names no file after sqlite://') : resolve(path);
  }
  const scheme = SCHEME.exec(raw)?.[1] ?? SCHEME_WITHOUT_COLON.exec(raw)?.[1];
  if (scheme !== undefined) {
    const known = /^(postgres(ql)?|sqlite)$/i.test(scheme);
    return problem(
      known
        ? `looks like a mistyped "${scheme.toLowerCase()}://" URL; write it as ${DATABASE_URL_FORMS}`
        : `must be a postgres:// URL or a SQLite file path, got scheme "${scheme}"`,
    );
  }
  return resolve(raw);
}

/** A URL's percent-decoded part; a malformed escape is not empty. */
function safeDecode(part: string): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return part;
  }
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Readonly<Config> {
  const problems: string[] = [];
  const port = integer(env, 'KEYWARD_PORT', SETTINGS.KEYWARD_PORT.default, 0, 65535, problems);
  const host = text(env, 'KEYWARD_HOST') || SETTINGS.KEYWARD_HOST.default;
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(host)) problems.push(`KEYWARD_HOST must be a host name or IP address, got "${host}"`);
  const dataDir = resolve(text(env, 'KEYWARD_DATA_DIR') || SETTINGS.KEYWARD_DATA_DIR.default);

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

  const tlsCertFile = file(env, 'KEYWARD_TLS_CERT');
  const tlsKeyFile = file(env, 'KEYWARD_TLS_KEY');
  if ((tlsCertFile === null) !== (tlsKeyFile === null)) problems.push('Set both KEYWARD_TLS_CERT and KEYWARD_TLS_KEY, or neither');
  for (const [name, file] of [
    ['KEYWARD_TLS_CERT', tlsCertFile],
    ['KEYWARD_TLS_KEY', tlsKeyFile],
  ] as const) {
    if (file !== null && !existsSync(file)) problems.push(`${name} names a file that does not exist: ${file}`);
  }

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
    trustProxy,
    tlsCertFile,
    tlsKeyFile,
    ...vault,
    ...analyticsStore,
    ...analyticsCaptureConfig(env, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}

/** The KEYWARD_ANALYTICS_* settings this process's store reads (retention, and the SQLite analytics file). */
function analyticsStoreConfig(
  env: NodeJS.ProcessEnv,
  databaseUrl: string,
  problems: string[],
): Pick<Config, 'analyticsDatabaseUrl' | 'analyticsRetentionDays'> {
  const days = (name: AnalyticsRetentionSetting) => integer(env, name, SETTINGS[name].default, 0, 36_500, problems);
  const analyticsRetentionDays = {
    raw: days('KEYWARD_ANALYTICS_RETENTION_DAYS'),
    minute: days('KEYWARD_ANALYTICS_MINUTE_RETENTION_DAYS'),
    hour: days('KEYWARD_ANALYTICS_HOUR_RETENTION_DAYS'),
    day: days('KEYWARD_ANALYTICS_DAY_RETENTION_DAYS'),
    month: days('KEYWARD_ANALYTICS_MONTH_RETENTION_DAYS'),
  };
  if (isPostgresUrl(databaseUrl)) return { analyticsDatabaseUrl: null, analyticsRetentionDays };
  const analyticsDatabaseUrl = databaseSetting(env, 'KEYWARD_ANALYTICS_DATABASE_URL', `${databaseUrl}.analytics`, problems);
  if (isPostgresUrl(analyticsDatabaseUrl)) {
    problems.push('KEYWARD_ANALYTICS_DATABASE_URL must be a SQLite file path: on PostgreSQL, analytics live in the main database');
  } else if (analyticsDatabaseUrl === databaseUrl) {
    problems.push('KEYWARD_ANALYTICS_DATABASE_URL must name a file apart from KEYWARD_DATABASE_URL');
  }
  return { analyticsDatabaseUrl, analyticsRetentionDays };
}

type AnalyticsRetentionSetting =
  | 'KEYWARD_ANALYTICS_RETENTION_DAYS'
  | 'KEYWARD_ANALYTICS_MINUTE_RETENTION_DAYS'
  | 'KEYWARD_ANALYTICS_HOUR_RETENTION_DAYS'
  | 'KEYWARD_ANALYTICS_DAY_RETENTION_DAYS'
  | 'KEYWARD_ANALYTICS_MONTH_RETENTION_DAYS';

/** KEYWARD_TRUST_PROXY: true/false/1/0, or a comma-separated list of IPv4/IPv6 addresses and CIDR ranges. */
function trustProxySetting(env: NodeJS.ProcessEnv, problems: string[]): boolean | readonly string[] {
  const raw = text(env, 'KEYWARD_TRUST_PROXY');
  const lower = raw.toLowerCase();
  if (lower === '') return SETTINGS.KEYWARD_TRUST_PROXY.default;
  if (lower === 'true' || lower === '1') return true;
  if (lower === 'false' || lower === '0') return false;
  const entries = raw.split(',').map((entry) => entry.trim());
  const before = problems.length;
  for (const entry of entries) {
    const problem = entry === '' ? 'an empty entry' : ipEntryProblem(entry);
    if (problem !== undefined)
      problems.push(`KEYWARD_TRUST_PROXY must be true, false or a comma-separated list of proxy addresses/CIDR ranges: ${problem}`);
  }
  return problems.length === before ? Object.freeze(entries) : SETTINGS.KEYWARD_TRUST_PROXY.default;
}

type AnalyticsCaptureConfig = Pick<
  Config,
  'analytics' | 'analyticsBufferEvents' | 'analyticsFlushEvents' | 'analyticsFlushMs' | 'nodeName'
>;

/** KEYWARD_ANALYTICS, its buffer and flush settings, and KEYWARD_NODE_NAME. */
function analyticsCaptureConfig(env: NodeJS.ProcessEnv, problems: string[]): AnalyticsCaptureConfig {
  const raw = text(env, 'KEYWARD_ANALYTICS').toLowerCase() || SETTINGS.KEYWARD_ANALYTICS.default;
  if (raw !== 'on' && raw !== 'off') problems.push(`KEYWARD_ANALYTICS must be on or off, got "${text(env, 'KEYWARD_ANALYTICS')}"`);
  const analyticsBufferEvents = integer(
    env,
    'KEYWARD_ANALYTICS_BUFFER_EVENTS',
    SETTINGS.KEYWARD_ANALYTICS_BUFFER_EVENTS.default,
    1,
    10_000_000,
    problems,
  );
  const analyticsFlushEvents = integer(
    env,
    'KEYWARD_ANALYTICS_FLUSH_EVENTS',
    SETTINGS.KEYWARD_ANALYTICS_FLUSH_EVENTS.default,
    1,
    1_000_000,
    problems,
  );
  // A batch larger than the buffer could never be gathered: writes would only ever come from the timer.
  if (analyticsFlushEvents > analyticsBufferEvents) {
    problems.push('KEYWARD_ANALYTICS_FLUSH_EVENTS must not be larger than KEYWARD_ANALYTICS_BUFFER_EVENTS');
  }
  const nodeName = text(env, 'KEYWARD_NODE_NAME') || hostname();
  // Stored in every event and grouped by in queries: a short printable name, not a free-form text.
  if (!/^[\x21-\x7e]{1,128}$/.test(nodeName)) {
    problems.push('KEYWARD_NODE_NAME must be 1 to 128 printable characters without spaces');
  }
  return {
    analytics: raw !== 'off',
    analyticsBufferEvents,
    analyticsFlushEvents,
    analyticsFlushMs: integer(env, 'KEYWARD_ANALYTICS_FLUSH_MS', SETTINGS.KEYWARD_ANALYTICS_FLUSH_MS.default, 10, 600_000, problems),
    nodeName,
  };
}

/** A URL with its password replaced; parsed rather than pattern-matched, so an `@` inside the password cannot leak the rest. */
export function maskPassword(url: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) return url; // a SQLite file path
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '[unparseable URL]';
  }
}

type VaultConfig = Pick<
  Config,
  | 'masterKeys'
  | 'vaultDir'
  | 'vaultDatabaseUrl'
  | 'vaultUrl'
  | 'vaultToken'
  | 'vaultCaFile'
  | 'vaultHost'
  | 'vaultPort'
  | 'vaultTlsCertFile'
  | 'vaultTlsKeyFile'
  | 'vaultDekMaxEncryptions'
>;

/** The KEYWARD_MASTER_KEYS and KEYWARD_VAULT_* variables. Secret values are never echoed in a problem. */
function vaultConfig(env: NodeJS.ProcessEnv, dataDir: string, databaseUrl: string, problems: string[]): VaultConfig {
  const master = parseMasterKeys(text(env, 'KEYWARD_MASTER_KEYS'));
  problems.push(...master.problems);
  const vaultDir = resolve(text(env, 'KEYWARD_VAULT_DIR') || resolve(dataDir, 'vault'));

  const rawStore = text(env, 'KEYWARD_VAULT_DATABASE_URL');
  if (rawStore !== '' && text(env, 'KEYWARD_VAULT_DIR')) problems.push('Set KEYWARD_VAULT_DIR or KEYWARD_VAULT_DATABASE_URL, not both');
  const vaultDatabaseUrl = databaseSetting(env, 'KEYWARD_VAULT_DATABASE_URL', resolve(vaultDir, 'vault.sqlite'), problems);
  // The split is the point: wrapped data keys must not sit with the ciphertexts they protect.
  const storeUsed = master.keys.length > 0 || rawStore !== '';
  if (!storeUsed) {
    // No vault in this process: where its store would be does not matter.
  } else if (vaultDatabaseUrl === databaseUrl)
    problems.push('KEYWARD_VAULT_DATABASE_URL must name a database apart from KEYWARD_DATABASE_URL');
  else if (!isPostgresUrl(vaultDatabaseUrl) && !isPostgresUrl(databaseUrl) && dirname(vaultDatabaseUrl) === dirname(databaseUrl)) {
    problems.push('The vault store must be in a directory of its own, not beside the main SQLite database (see KEYWARD_VAULT_DIR)');
  }

  const vaultUrl = text(env, 'KEYWARD_VAULT_URL') || null;
  const vaultToken = text(env, 'KEYWARD_VAULT_TOKEN') || null;
  if (vaultUrl !== null) {
    let url: URL | undefined;
    try {
      url = new URL(vaultUrl);
    } catch {
      problems.push('KEYWARD_VAULT_URL must be an https:// URL (or http:// to a loopback address)');
    }
    if (url) {
      if (url.username || url.password)
        problems.push('KEYWARD_VAULT_URL must not carry credentials; the token goes in KEYWARD_VAULT_TOKEN');
      else if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
        problems.push('KEYWARD_VAULT_URL may use plain http:// only for a loopback address; use https://');
      } else if (url.protocol !== 'http:' && url.protocol !== 'https:') {
        problems.push('KEYWARD_VAULT_URL must be an https:// URL (or http:// to a loopback address)');
      }
    }
    if (vaultToken === null) problems.push('KEYWARD_VAULT_URL needs KEYWARD_VAULT_TOKEN');
    // API nodes that use a remote vault must never hold master keys or the vault store themselves.
    if (master.keys.length > 0)
      problems.push('Set KEYWARD_MASTER_KEYS (a vault in this process) or KEYWARD_VAULT_URL (a remote vault), not both');
    if (rawStore !== '') problems.push('KEYWARD_VAULT_DATABASE_URL belongs to the vault process, not to a node using KEYWARD_VAULT_URL');
  }
  if (vaultToken !== null && (vaultToken.length < MIN_VAULT_TOKEN_CHARS || !/^[\x21-\x7e]+$/.test(vaultToken))) {
    problems.push(`KEYWARD_VAULT_TOKEN must be at least ${MIN_VAULT_TOKEN_CHARS} printable characters without spaces`);
  }

  const vaultHost = text(env, 'KEYWARD_VAULT_HOST') || SETTINGS.KEYWARD_VAULT_HOST.default;
  if (!/^[A-Za-z0-9.:[\]-]+$/.test(vaultHost)) problems.push(`KEYWARD_VAULT_HOST must be a host name or IP address, got "${vaultHost}"`);
  const vaultTlsCertFile = file(env, 'KEYWARD_VAULT_TLS_CERT');
  const vaultTlsKeyFile = file(env, 'KEYWARD_VAULT_TLS_KEY');
  if ((vaultTlsCertFile === null) !== (vaultTlsKeyFile === null))
    problems.push('Set both KEYWARD_VAULT_TLS_CERT and KEYWARD_VAULT_TLS_KEY, or neither');

  return {
    masterKeys: Object.freeze(master.keys.map((k) => Object.freeze(k))),
    vaultDir,
    vaultDatabaseUrl,
    vaultUrl,
    vaultToken,
    vaultCaFile: file(env, 'KEYWARD_VAULT_CA'),
    vaultHost,
    vaultPort: integer(env, 'KEYWARD_VAULT_PORT', SETTINGS.KEYWARD_VAULT_PORT.default, 0, 65535, problems),
    vaultTlsCertFile,
    vaultTlsKeyFile,
    // Far below the 2^32 random-nonce limit for AES-GCM (NIST SP 800-38D).
    vaultDekMaxEncryptions: integer(
      env,
      'KEYWARD_VAULT_DEK_MAX_ENCRYPTIONS',
      SETTINGS.KEYWARD_VAULT_DEK_MAX_ENCRYPTIONS.default,
      1,
      2 ** 30,
      problems,
    ),
  };
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
