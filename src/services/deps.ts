import type { AnalyticsRecorder } from '../analytics/recorder.js';
import type { InvalidationBus } from '../cache/bus.js';
import type { AnalyticsQueryDeps } from './analytics.js';
import type { KnownKeyHashes } from '../cache/known-key-hashes.js';
import type { SwrCache } from '../cache/swr-cache.js';
import type { Clock } from '../core/clock.js';
import type { RatelimitFailureMode } from '../ratelimit/failure-mode.js';
import type { Limiter } from '../ratelimit/limiter.js';
import type { KeyRecord, RatelimitNamespaceRecord, RatelimitOverrideRecord, Store } from '../storage/store.js';
import type { Vault } from '../vault/vault.js';
import type { NodeRegistry } from './node-registry.js';
import type { RatelimitExceededAlerts } from './alerts/ratelimit-exceeded.js';
import type { LeakReportSettings } from './leak-reports/service.js';
import type { SessionSettings } from './operators/sessions.js';

/**
 * What every service is built from. Apart from index.ts (which builds the services from it), so a service
 * can name its dependencies without importing the file that imports it.
 */

/** The slice of pino the services use: warnings that are rare by construction (throttled where they could repeat). */
export interface Logger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** What a verification's lookup of a key by hash found in the store (not the cache): `found` or `not_found`. */
export type KeyLookupResult = 'found' | 'not_found';

/** Counts verification lookups that reached the store (`keyward_key_store_lookups_total`, src/http/metrics.ts). */
export interface KeyLookupCounts {
  keyLookup(result: KeyLookupResult): void;
}

export interface ServiceDeps {
  store: Store;
  clock: Clock;
  bus: InvalidationBus;
  /** Verification lookups by key hash (misses cached too). */
  keyCache: SwrCache<KeyRecord>;
  /** Where verification lookups that reach the store are counted; absent: not counted. */
  keyLookups?: KeyLookupCounts;
  /**
   * Per-workspace filters of the key hashes that exist, which answer a flood of unknown keys without a store lookup each
   * (src/cache/known-key-hashes.ts, docs/decisions/0021-unknown-key-flood.md); absent: every cache miss is looked up.
   */
  knownKeys?: Pick<KnownKeyHashes, 'mayHold' | 'confirmUnknown' | 'missed'>;
  /**
   * Whether keys.createKey and keys.rerollKey log and publish the new key's hash, which the unknown-key filters of
   * every node rely on (docs/decisions/0021-unknown-key-flood.md); absent: true. Only tests of a rolling upgrade set
   * false, to run a node as a version before that did (docs/decisions/0034-filter-negatives-during-rolling-upgrades.md).
   */
  announceNewKeyHashes?: boolean;
  /** ratelimit.limit's namespaces and overrides per (workspace, name or id), dropped by `ratelimitNamespace` and `workspace` invalidations. */
  ratelimitNamespaces: SwrCache<CachedNamespace>;
  /** Rate-limit counters: in memory on one node, in Redis across many. */
  limiter: Limiter;
  /** What rate limits answer while the limiter fails (KEYWARD_RATELIMIT_FAILURE_MODE); absent: open. */
  ratelimitFailureMode?: RatelimitFailureMode;
  /** Never used per request at info level: only for rare, throttled warnings (a limiter that fails). */
  logger: Logger;
  /** Encrypts and decrypts recoverable keys; null or absent: no vault configured (recoverable requests answer 412). */
  vault?: Vault | null;
  /** Where verifications and rate-limit decisions are recorded (src/analytics/recorder.ts); absent: KEYWARD_ANALYTICS=off. */
  analyticsRecorder?: AnalyticsRecorder;
  /** Analytics queries (analytics.get*); null or absent: no analytics store (503). */
  analytics?: AnalyticsQueryDeps | null;
  /** Dashboard sessions' idle and absolute expiry; absent: 30 minutes and 12 hours. */
  dashboardSessions?: SessionSettings;
  /** KEYWARD_WORKSPACE_RATE_LIMIT: requests per minute for workspaces without their own; null or absent: unlimited. */
  workspaceRateLimitDefault?: number | null;
  /** This node's entry in the node registry (server.ts makes it); absent (services built outside a server): dashboard.listNodes fails. */
  nodes?: NodeRegistry;
  /** KEYWARD_LEAK_REPORT_KEYS and KEYWARD_LEAK_REPORT_TOKENS_PER_MINUTE; null or absent: leak reports are not received. */
  leakReports?: LeakReportSettings | null;
  /** KEYWARD_WEBHOOK_ALLOW_PRIVATE_ADDRESSES: endpoints may name loopback, private and reserved addresses; absent: off. */
  webhookAllowPrivateAddresses?: boolean;
  /** KEYWARD_ALERT_CREDITS_THRESHOLDS: percent of credits used that fire `key.credits_low`, ascending; empty: off; absent: 50, 80, 100. */
  creditsAlertThresholds?: readonly number[];
  /** `ratelimit.exceeded` counting and claims, shared by ratelimit.limit and verification; absent: off. */
  ratelimitAlerts?: RatelimitExceededAlerts;
}

/**
 * What limit and multiLimit need of one namespace, cached per (workspace, namespace as given: name or id)
 * so the request path reads nothing from the database while the entry lives. Every ratelimits.ts mutation that
 * could change it announces `ratelimitNamespace` for the workspace after commit; server.ts drops the entries.
 */
export interface CachedNamespace {
  /** Carried so an invalidation can find a workspace's entries, misses included. */
  workspaceId: string;
  /** As `findRatelimitNamespace` answers: undefined when nothing has this name or id, a deleted one when only that has. */
  namespace: RatelimitNamespaceRecord | undefined;
  /**
   * Every live override of a live namespace, in creation order (what `resolveOverride` walks); null when
   * there are more than MAX_CACHED_OVERRIDES, which are then read per call, only those that could match.
   */
  overrides: readonly RatelimitOverrideRecord[] | null;
}
