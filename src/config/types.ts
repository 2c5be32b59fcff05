import type { RatelimitFailureMode } from '../ratelimit/failure-mode.js';
import type { MasterKeySpec } from '../vault/master-keys.js';

/**
 * The configuration's shape, apart from loadConfig (config.ts) so the settings modules beside this file can name
 * their slices of it (`Pick<Config, ...>`) without importing config.ts back.
 */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** The built dashboard (web/, built by `npm run build` into dist/web), served at /dashboard/ (src/http/dashboard-site.ts). */
  dashboardDir: string;
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
  /**
   * Bytes of a SQLite database file read through a memory map (KEYWARD_SQLITE_MMAP_MB; 0: none). Mapped pages count in
   * the process's resident memory (docs/decisions/0035).
   */
  sqliteMmapBytes: number;
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
  /** KEYWARD_NODE_HEARTBEAT_SECONDS, in ms: how often this node writes its row of the node registry (services/node-registry.ts). */
  nodeHeartbeatMs: number;
  /** KEYWARD_WORKERS: how many processes `keyward start` runs on one port (src/cluster/primary.ts); 1 is this process alone. */
  workers: number;
  /** KEYWARD_DASHBOARD_SESSION_IDLE_MINUTES, in ms: a dashboard session unused this long has ended. */
  dashboardSessionIdleMs: number;
  /** KEYWARD_DASHBOARD_SESSION_MAX_HOURS, in ms: a dashboard session older than this has ended. */
  dashboardSessionMaxMs: number;
  /** KEYWARD_PUBLIC_URL without a trailing slash; null: the address the server listens on. */
  publicUrl: string | null;
  /** KEYWARD_LEAK_REPORT_KEYS read: key identifier -> PEM of each key that may sign a leak report; null: no leak endpoint. */
  leakReportKeys: Readonly<Record<string, string>> | null;
  /** KEYWARD_LEAK_REPORT_TOKENS_PER_MINUTE: tokens one signing key's reports may name per minute. */
  leakReportTokensPerMinute: number;
  /** KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: webhooks may go to loopback, private and reserved addresses (webhooks/address-policy.ts). */
  webhookAllowPrivateAddresses: boolean;
  /** KEYWARD_WEBHOOK_TIMEOUT_MS: how long one delivery attempt may take. */
  webhookTimeoutMs: number;
  /** KEYWARD_ALERT_CREDITS_THRESHOLDS: percent used that fire `key.credits_low`, ascending; empty: off. */
  alertCreditsThresholds: number[];
  /** KEYWARD_ALERT_KEY_EXPIRING_DAYS: how far ahead `key.expiring` looks, in ms; 0: off. */
  alertKeyExpiringMs: number;
  /** KEYWARD_ALERT_RATELIMIT_REFUSALS (0: off), _WINDOW_SECONDS and _COOLDOWN_SECONDS, in ms. */
  alertRatelimit: { refusals: number; windowMs: number; cooldownMs: number };
}
