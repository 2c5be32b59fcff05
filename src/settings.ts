import { DEFAULT_MAX_COUNTERS, DEFAULT_MAX_COUNTERS_PER_WORKSPACE } from './ratelimit/memory.js';
import { DEFAULT_REDIS_TIMEOUT_MS } from './redis/timeout.js';
import { DEFAULT_SQLITE_MMAP_MB } from './storage/sqlite/mmap.js';
import { DEFAULT_DEK_MAX_ENCRYPTIONS } from './vault/vault.js';

export interface Setting {
  /** The value loadConfig (config.ts) takes when the variable is unset or empty; absent when it is derived or means "off". */
  readonly default?: string | number | boolean;
  /** How the default is shown when it is not a plain value: `unset` (the description says what that means), or what it is derived from. */
  readonly shown?: string;
  /** One line for `keyward --help`; README.md's configuration table says more. */
  readonly description: string;
}

/**
 * Every environment variable Keyward reads, in one place: config.ts reads only names listed here (its readers take a
 * `SettingName`), src/cli/help.ts prints the table for `keyward --help`, and src/settings.test.ts holds README.md's
 * configuration table to it.
 */
export const SETTINGS = {
  KEYWARD_PORT: { default: 7070, description: 'TCP port to listen on (0 picks a free one)' },
  KEYWARD_HOST: { default: '127.0.0.1', description: 'Address to bind; 0.0.0.0 to serve other machines' },
  KEYWARD_DATA_DIR: { default: './data', description: 'Where the embedded SQLite database lives' },
  KEYWARD_DATABASE_URL: { shown: '<data dir>/keyward.sqlite', description: 'A SQLite file path, or a postgres:// URL for PostgreSQL' },
  KEYWARD_DATABASE_CONNECT_TIMEOUT_MS: {
    default: 3_000,
    description: 'Milliseconds to connect to PostgreSQL (or wait for a pooled connection); then 503',
  },
  KEYWARD_DATABASE_QUERY_TIMEOUT_MS: { default: 5_000, description: 'Milliseconds one PostgreSQL statement may take; then 503' },
  KEYWARD_SQLITE_MMAP_MB: {
    default: DEFAULT_SQLITE_MMAP_MB,
    description: "MB of the SQLite file read through a memory map (counted in the process's RSS); 0: off",
  },
  KEYWARD_LOG_LEVEL: { default: 'info', description: 'fatal, error, warn, info, debug, trace or silent' },
  KEYWARD_BODY_LIMIT: { default: 10 * 1024 * 1024, description: 'Largest request body in bytes (larger: 413)' },
  KEYWARD_REQUEST_TIMEOUT_MS: { default: 60_000, description: 'Milliseconds to receive a whole request (then 408, closed)' },
  KEYWARD_HEADERS_TIMEOUT_MS: { default: 10_000, description: "Milliseconds to receive a request's headers" },
  KEYWARD_KEEP_ALIVE_TIMEOUT_MS: { default: 72_000, description: 'Milliseconds an idle keep-alive connection is kept' },
  KEYWARD_MAX_CONNECTIONS: { default: 10_000, description: 'Open connections at most; more are closed at once' },
  KEYWARD_SHUTDOWN_DELAY_MS: { default: 0, description: 'On SIGTERM, milliseconds to keep serving with readiness failing' },
  KEYWARD_SHUTDOWN_GRACE_MS: { default: 10_000, description: 'Then milliseconds to finish requests in flight before cutting them' },
  KEYWARD_CACHE_SIZE: { default: 100_000, description: 'Found entries per in-process lookup cache' },
  KEYWARD_CACHE_MISS_SIZE: { default: 10_000, description: 'Misses (unknown keys) per lookup cache, kept apart from found entries' },
  KEYWARD_CACHE_FRESH_MS: { default: 60_000, description: 'Milliseconds a cached lookup is used as it is' },
  KEYWARD_CACHE_STALE_MS: { default: 300_000, description: 'Milliseconds past that it is served while reloading' },
  KEYWARD_TLS_CERT: { shown: 'unset', description: 'PEM certificate file: serve the API over HTTPS (TLS 1.3)' },
  KEYWARD_TLS_KEY: { shown: 'unset', description: 'PEM key file for KEYWARD_TLS_CERT; set both or neither' },
  KEYWARD_DASHBOARD_DIR: { shown: '<install>/dist/web', description: 'The built dashboard served at /dashboard/ (npm run build)' },
  KEYWARD_REDIS_URL: { shown: 'unset', description: 'redis:// or rediss:// URL: nodes share limits, caches' },
  KEYWARD_REDIS_TIMEOUT_MS: {
    default: DEFAULT_REDIS_TIMEOUT_MS,
    description: 'Milliseconds a Redis command may take before it counts as failed',
  },
  KEYWARD_RATELIMIT_FAILURE_MODE: {
    default: 'open',
    description: 'open or closed: whether rate limits admit or refuse while Redis fails',
  },
  KEYWARD_INVALIDATION_POLL_MS: { default: 500, description: "Milliseconds between reads of the database's change log" },
  KEYWARD_TRUST_PROXY: {
    default: false,
    description: 'true, or the trusted proxies (addresses/CIDRs, comma-separated): client IP from X-Forwarded-For',
  },
  KEYWARD_RATELIMIT_MAX_COUNTERS: {
    default: DEFAULT_MAX_COUNTERS,
    description: 'Rate-limit windows the in-memory limiter keeps (without Redis)',
  },
  KEYWARD_RATELIMIT_MAX_COUNTERS_PER_WORKSPACE: {
    default: DEFAULT_MAX_COUNTERS_PER_WORKSPACE,
    description: 'Of those, the most one workspace may hold',
  },
  KEYWARD_WORKSPACE_RATE_LIMIT: { shown: 'unset', description: 'API requests per minute per workspace; unset: no limit' },
  KEYWARD_ANALYTICS_QUERY_TIMEOUT_MS: {
    default: 5_000,
    description: 'Milliseconds one analytics query (analytics.get*) may run; then 422',
  },
  KEYWARD_ANALYTICS_QUERY_MAX_ROWS: { default: 10_000, description: 'Rows one analytics query may answer (its LIMIT is capped)' },
  KEYWARD_ANALYTICS_QUERIES_PER_MINUTE: { default: 60, description: 'Analytics queries per minute per workspace; then 429' },
  KEYWARD_MASTER_KEYS: { shown: 'unset', description: 'Master keys <version>:<base64>,...; unset: no vault (412)' },
  KEYWARD_VAULT_DIR: { shown: '<data dir>/vault', description: 'Directory of the default vault store' },
  KEYWARD_VAULT_DATABASE_URL: { shown: 'unset', description: 'The vault store elsewhere: a postgres:// URL or a SQLite path' },
  KEYWARD_VAULT_URL: { shown: 'unset', description: 'URL of a `keyward vault serve` to use instead of a local vault' },
  KEYWARD_VAULT_TOKEN: { shown: 'unset', description: 'Bearer token between API nodes and `keyward vault serve`' },
  KEYWARD_VAULT_CA: { shown: 'unset', description: 'PEM file of the CA for KEYWARD_VAULT_URL; unset: system CAs' },
  KEYWARD_VAULT_HOST: { default: '127.0.0.1', description: 'Where `keyward vault serve` listens' },
  KEYWARD_VAULT_PORT: { default: 7071, description: 'The port `keyward vault serve` listens on' },
  KEYWARD_VAULT_TLS_CERT: { shown: 'unset', description: 'PEM certificate file: `keyward vault serve` over HTTPS' },
  KEYWARD_VAULT_TLS_KEY: { shown: 'unset', description: 'PEM key file for KEYWARD_VAULT_TLS_CERT; set both or neither' },
  KEYWARD_VAULT_DEK_MAX_ENCRYPTIONS: {
    default: DEFAULT_DEK_MAX_ENCRYPTIONS,
    description: 'Encryptions per data key before the vault makes another',
  },
  KEYWARD_ANALYTICS_RETENTION_DAYS: { default: 30, description: 'Days raw analytics events are kept (0: forever)' },
  KEYWARD_ANALYTICS_MINUTE_RETENTION_DAYS: { default: 30, description: 'Days per-minute analytics rollups are kept (0: forever)' },
  KEYWARD_ANALYTICS_HOUR_RETENTION_DAYS: { default: 90, description: 'Days per-hour analytics rollups are kept (0: forever)' },
  KEYWARD_ANALYTICS_DAY_RETENTION_DAYS: { default: 730, description: 'Days per-day analytics rollups are kept (0: forever)' },
  KEYWARD_ANALYTICS_MONTH_RETENTION_DAYS: { default: 0, description: 'Days per-month analytics rollups are kept (0: forever)' },
  KEYWARD_ANALYTICS_DATABASE_URL: {
    shown: '<database file>.analytics',
    description: 'SQLite file of the analytics events (ignored on PostgreSQL: they go in the main database)',
  },
  KEYWARD_ANALYTICS: { default: 'on', description: 'on or off: record every verification and rate-limit decision' },
  KEYWARD_ANALYTICS_BUFFER_EVENTS: {
    default: 100_000,
    description: 'Analytics events held in memory at most; more are dropped and counted',
  },
  KEYWARD_ANALYTICS_FLUSH_EVENTS: { default: 20_000, description: 'Analytics events per write; that many buffered start one' },
  KEYWARD_ANALYTICS_FLUSH_MS: { default: 1_000, description: 'Milliseconds between writes of buffered analytics events' },
  KEYWARD_DASHBOARD_SESSION_IDLE_MINUTES: {
    default: 30,
    description: 'Minutes a dashboard session may go unused before it ends',
  },
  KEYWARD_DASHBOARD_SESSION_MAX_HOURS: { default: 12, description: 'Hours a dashboard session lasts at most, used or not' },
  KEYWARD_PUBLIC_URL: {
    shown: 'the address listened on',
    description: 'The URL people reach this server at, for the first-run setup link (http(s)://host[:port])',
  },
  KEYWARD_LEAK_REPORT_KEYS: {
    shown: 'unset',
    description: 'JSON file of the public keys that sign leak reports (identifier -> PEM); unset: no leak endpoint',
  },
  KEYWARD_LEAK_REPORT_TOKENS_PER_MINUTE: {
    default: 1000,
    description: 'Tokens the leak reports of one signing key may name per minute (more: 429)',
  },
  KEYWARD_NODE_NAME: { shown: '<host name>', description: "This node's name, recorded as the analytics events' region" },
  KEYWARD_NODE_HEARTBEAT_SECONDS: {
    default: 10,
    description: "Seconds between writes of this node's row in the node registry (Settings shows peers)",
  },
  KEYWARD_ALERT_CREDITS_THRESHOLDS: {
    default: '50,80,100',
    description: "Percent of a key's credits used at which `key.credits_low` fires, comma-separated and ascending (1-100); off: never",
  },
  KEYWARD_ALERT_KEY_EXPIRING_DAYS: {
    default: 7,
    description: 'Days before a key expires at which `key.expiring` fires, once per expiry (0-365; 0: never)',
  },
  KEYWARD_ALERT_RATELIMIT_REFUSALS: {
    default: 100,
    description: 'Refusals of one rate limit within the window, counted per node, that fire `ratelimit.exceeded` (0: never)',
  },
  KEYWARD_ALERT_RATELIMIT_WINDOW_SECONDS: { default: 60, description: 'The window `KEYWARD_ALERT_RATELIMIT_REFUSALS` are counted in' },
  KEYWARD_ALERT_RATELIMIT_COOLDOWN_SECONDS: {
    default: 3600,
    description: 'After `ratelimit.exceeded` fires for a limit and identifier, it fires again no sooner than this, on any node',
  },
  KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: {
    default: 'off',
    description: 'on or off: deliver webhooks to loopback, private and reserved addresses (off refuses them: SSRF)',
  },
  KEYWARD_WEBHOOK_TIMEOUT_MS: { default: 10_000, description: 'Milliseconds one webhook delivery attempt may take, connection to answer' },
  KEYWARD_WORKERS: {
    default: 1,
    description: 'Processes `keyward start` runs on one port (node:cluster); `--workers N` says the same',
  },
} as const satisfies Record<`KEYWARD_${string}`, Setting>;

export type SettingName = keyof typeof SETTINGS;

export const SETTING_NAMES = Object.keys(SETTINGS) as SettingName[];

/** The default as help and README.md show it. */
export function shownDefault(name: SettingName): string {
  const setting: Setting = SETTINGS[name];
  return setting.shown ?? String(setting.default);
}
