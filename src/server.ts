import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import type { FastifyInstance } from 'fastify';
import { pruneAnalytics } from './analytics/prune-job.js';
import { AnalyticsRecorder } from './analytics/recorder.js';
import type { AnalyticsPruneResult, AnalyticsStore } from './analytics/store.js';
import type { InvalidationBus } from './cache/bus.js';
import type { Config } from './config.js';
import { systemClock, type Clock } from './core/clock.js';
import { buildApp } from './http/app.js';
import { reportFailure, startBackgroundJobs } from './server/background-jobs.js';
import { createCaches } from './server/caches.js';
import { warnAboutSetup } from './server/setup-warnings.js';
import { followChanges, throttled } from './server/invalidation.js';
import { createLogger } from './server/logging.js';
import { OpenedSoFar, openStores } from './server/open-stores.js';
import { periodicJobs } from './server/periodic-jobs.js';
import { retentionOf } from './analytics/open.js';
import { openSharedState } from './server/shared-state.js';
import { closeConnections, Draining } from './http/draining.js';
import { Readiness } from './services/readiness.js';
import { NODE_CAPABILITIES, NodeRegistry } from './services/node-registry.js';
import { newId } from './core/ids.js';
import { RootKeyAuthentication } from './services/authentication.js';
import { UsageBuffer } from './services/usage-buffer.js';
import { MemoryLimiter } from './ratelimit/memory.js';
import type { Limiter } from './ratelimit/limiter.js';
import type { PrimaryChannel } from './cluster/primary-channel.js';
import { PrimaryLimiter } from './cluster/worker-limiter.js';
import { WorkerBus } from './cluster/worker-bus.js';
import { redisClients } from './redis/client.js';
import type { Logger } from './services/deps.js';
import { createServices, type Services } from './services/index.js';
import { RatelimitExceededAlerts } from './services/alerts/ratelimit-exceeded.js';
import { WebhookDispatcher } from './webhooks/dispatcher.js';
import type { Store } from './storage/store.js';
import type { Vault } from './vault/vault.js';
import { VERSION } from './version.js';
import { createMetrics } from './http/metrics.js';

export interface ServerOptions {
  config: Readonly<Config>;
  /** Tests pass a TestClock; everything time-dependent reads this one. */
  clock?: Clock;
  /** Where log lines go instead of stdout (tests capture them to prove no secret reaches a log). */
  logStream?: { write(line: string): void };
  /** Run background jobs on timers (off in tests, which call `runJobs` with a test clock). */
  backgroundJobs?: boolean;
  /**
   * Where analytics batches are written when KEYWARD_ANALYTICS is on (tests capture them here, packed as the recorder
   * hands them over: src/analytics/packed-batch.ts); the caller closes it.
   * Absent: the store KEYWARD_ANALYTICS configures (see "the analytics store" in createServer).
   */
  analytics?: Pick<AnalyticsStore, 'writePacked'>;
  /**
   * Set in a worker of `keyward start --workers N` (docs/decisions/0022-workers-on-one-machine.md): its number (1..N),
   * shown in every answer's X-Keyward-Worker header, and its channel to the primary, which relays invalidations to the
   * sibling workers and owns the rate-limit counters when there is no Redis. Worker 1 alone runs the jobs that must
   * run once per machine (credit refills, change-log and analytics pruning, the node registry's row).
   */
  worker?: { index: number; channel: PrimaryChannel };
  /**
   * False: this node acts as a version before new key hashes were logged (docs/decisions/0034-filter-negatives-during-rolling-upgrades.md):
   * keys.createKey and keys.rerollKey neither log nor publish the new key's hash, and its row in the node registry does
   * not advertise that it does. Only tests of a rolling upgrade set it (test/faults/earlier-version-node.ts); absent: true.
   */
  logsNewKeyHashes?: boolean;
}

export interface KeywardServer {
  app: FastifyInstance;
  services: Services;
  store: Store;
  bus: InvalidationBus;
  clock: Clock;
  /** Recoverable keys' vault (local or remote); null when none is configured. */
  vault: Vault | null;
  /** Analytics events and rollups (src/analytics/store.ts), on the main store's engine. */
  analytics: AnalyticsStore;
  /** The buffer in front of the analytics store (src/analytics/recorder.ts); null when KEYWARD_ANALYTICS is off. */
  analyticsRecorder: AnalyticsRecorder | null;
  /** Runs the periodic jobs once (credit refill, usage write-back, the pruning of the change log, rate-limit alerts and retired root keys). */
  runJobs(): Promise<void>;
  /** Sends the webhook deliveries due at the clock's time (every second on a timer; tests call it themselves). */
  webhooks: WebhookDispatcher;
  /** Runs the hourly analytics retention pass once, at the clock's time (KEYWARD_ANALYTICS_*_RETENTION_DAYS). */
  pruneAnalytics(): Promise<AnalyticsPruneResult>;
  listen(): Promise<string>;
  /**
   * Stops (docs/operations.md, "The node is stopped (SIGTERM)"): readiness fails and answers close their connections at
   * once; after KEYWARD_SHUTDOWN_DELAY_MS no connection is accepted and those in flight get up to
   * KEYWARD_SHUTDOWN_GRACE_MS; then buffers are flushed and everything closed. Rejects when requests had to be cut.
   */
  close(): Promise<void>;
}

/** Bytes of a webhook receiver's answer read at most (only its status is used). */
const WEBHOOK_RESPONSE_BYTES = 64 * 1024;

/** The composition root: builds the store, caches, bus, limiter, services and HTTP app, and wires them. */
export async function createServer(options: ServerOptions): Promise<KeywardServer> {
  const { config } = options;
  const clock = options.clock ?? systemClock;
  // Made first, so everything that logs (the vault as it opens, the services, Fastify) has it from the start.
  const log = createLogger(config, options.logStream);
  const own = await openSharedState(config, log);
  const { worker } = options;
  // Worker 1, or the only process: the jobs that must run once per machine.
  const runsMachineJobs = worker === undefined || worker.index === 1;
  const bus: InvalidationBus = worker ? new WorkerBus(own.bus, worker.channel) : own.bus;
  const limiter: Limiter = worker && own.limiter instanceof MemoryLimiter ? new PrimaryLimiter(worker.channel) : own.limiter;
  // Every failure to reach the database (a refused call, a background job, a connection lost while idle) is counted
  // here; one line per 10 s carries the latest cause (core/throttled-warning.ts).
  const databaseFailures = throttled(
    log,
    'database',
    'database unavailable; calls that need it answer 503 database_unavailable until it answers again',
  );
  const opened = new OpenedSoFar();
  opened.add(() => bus.close());
  opened.add(() => limiter.close());
  const { store, analytics, vault } = await openStores(config, opened, { clock, log, databaseFailures });
  const { keyCache, rootKeyCache, ratelimitNamespaceCache, invalidate: invalidateCaches } = createCaches(config, clock);
  const rootKeyUsage = new UsageBuffer((batch) => store.recordRootKeyUsage(batch));
  const { knownKeys, changes, catchUp } = await opened.orCloseAll(
    followChanges({ store, bus, ownBus: own.bus, invalidateCaches, clock, log, databaseFailures }),
  );

  const draining = new Draining();
  const readiness = new Readiness({ store, redisUrl: config.redisUrl, draining });
  // This process in the node registry (docs/operations.md, "Nodes"): what it sees of the database and Redis is what
  // its readiness probe sees.
  const nodes = new NodeRegistry({
    store,
    clock,
    heartbeatMs: config.nodeHeartbeatMs,
    self: {
      id: newId('node', clock.now()),
      name: config.nodeName,
      hostname: hostname(),
      version: VERSION,
      engine: store.engine,
      startedAt: clock.now(),
      capabilities: (options.logsNewKeyHashes ?? true) ? [NODE_CAPABILITIES.logsNewKeyHashes] : [],
    },
    dependencies: async () => {
      const { database, redis } = await readiness.check();
      return { database, redis };
    },
  });
  const logger: Logger = log;

  const retention = retentionOf(config);
  // Where recorded events go: the analytics store opened above, or the one a test gives to see the batches.
  const analyticsStore: Pick<AnalyticsStore, 'writePacked'> | null = config.analytics ? (options.analytics ?? analytics) : null;
  let analyticsRecorder: AnalyticsRecorder | null = null;
  const metrics = createMetrics(
    {
      key: () => keyCache.size,
      key_miss: () => keyCache.missCount,
      root_key: () => rootKeyCache.size,
      root_key_miss: () => rootKeyCache.missCount,
      ratelimit_namespace: () => ratelimitNamespaceCache.size,
      ratelimit_namespace_miss: () => ratelimitNamespaceCache.missCount,
    },
    {
      // Redis bounds its own keys (TTLs; docs/operations.md, "Memory"): only the memory limiter has a count here.
      ratelimitCounters: limiter instanceof MemoryLimiter ? () => limiter.size : undefined,
      keyFilter: { stats: knownKeys.stats, bytes: () => knownKeys.bytes },
      databaseUp: () => store.databaseUp(),
      redisUp: config.redisUrl === null ? undefined : () => redisClients.up === true,
      analyticsBuffer: analyticsStore === null ? undefined : () => analyticsRecorder?.size ?? 0,
    },
  );
  if (analyticsStore !== null) {
    analyticsRecorder = new AnalyticsRecorder((packed) => analyticsStore.writePacked(packed), {
      bufferEvents: config.analyticsBufferEvents,
      flushEvents: config.analyticsFlushEvents,
      flushMs: config.analyticsFlushMs,
      region: config.nodeName,
      clock,
      logger: log,
      counts: metrics,
    });
  }
  const services = createServices({
    store,
    clock,
    bus,
    keyCache,
    keyLookups: metrics,
    knownKeys,
    announceNewKeyHashes: options.logsNewKeyHashes ?? true,
    ratelimitNamespaces: ratelimitNamespaceCache,
    limiter,
    ratelimitFailureMode: config.ratelimitFailureMode,
    logger,
    vault,
    dashboardSessions: { idleMs: config.dashboardSessionIdleMs, maxMs: config.dashboardSessionMaxMs },
    workspaceRateLimitDefault: config.workspaceRateLimit,
    nodes,
    leakReports: config.leakReportKeys && { keys: config.leakReportKeys, tokensPerMinute: config.leakReportTokensPerMinute },
    webhookAllowPrivateAddresses: config.webhookAllowPrivateAddresses,
    creditsAlertThresholds: config.alertCreditsThresholds,
    ...(config.alertRatelimit.refusals > 0 ? { ratelimitAlerts: new RatelimitExceededAlerts(store, config.alertRatelimit, log) } : {}),
    ...(analyticsRecorder ? { analyticsRecorder } : {}),
    // KEYWARD_ANALYTICS=off: nothing recorded, and analytics.get* answer 503 (analytics_unavailable).
    analytics: config.analytics
      ? {
          store: analytics,
          engine: store.engine,
          retention,
          timeoutMs: config.analyticsQueryTimeoutMs,
          maxRows: config.analyticsQueryMaxRows,
          queriesPerMinute: config.analyticsQueriesPerMinute,
        }
      : null,
  });
  const app = await buildApp({
    services,
    authentication: new RootKeyAuthentication({ store, rootKeys: rootKeyCache, clock, usage: rootKeyUsage }),
    workspaceLimit: { limiter, clock, defaultLimit: config.workspaceRateLimit, logger },
    bodyLimit: config.bodyLimit,
    connections: {
      requestTimeoutMs: config.requestTimeoutMs,
      headersTimeoutMs: config.headersTimeoutMs,
      keepAliveTimeoutMs: config.keepAliveTimeoutMs,
      maxConnections: config.maxConnections,
    },
    trustProxy: config.trustProxy,
    metrics,
    databaseFailures,
    ...(config.tlsCertFile && config.tlsKeyFile
      ? { tls: { cert: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsKeyFile) } }
      : {}),
    logger: log,
    version: VERSION,
    draining,
    readiness,
    dashboardDir: config.dashboardDir,
    publicUrlIsHttps: config.publicUrl?.startsWith('https:') ?? false,
    ...(worker ? { workerIndex: worker.index } : {}),
  });

  warnAboutSetup(config, store.engine, vault, log);

  // Registered before the first request; a database away now is reported like any job's failure, and the next
  // heartbeat writes the row.
  // One row per machine: the workers of `--workers N` are one node, written by worker 1.
  // Then, in every process, the registry tells the unknown-key filter whether its "no" holds: only while every node
  // up logs new key hashes (docs/decisions/0034-filter-negatives-during-rolling-upgrades.md). Until a read succeeds it
  // does not; a failed read later keeps what the last one said (a moment of a busy or absent database must not drop
  // every filter: the confirming change-log read fails too while the database is away).
  const heartbeat = async () => {
    if (runsMachineJobs) await nodes.heartbeat().catch(reportFailure(log, databaseFailures, 'node heartbeat'));
    await nodes
      .everyLiveNodeAdvertises(NODE_CAPABILITIES.logsNewKeyHashes)
      .then((trusted) => knownKeys.trustNegatives(trusted), reportFailure(log, databaseFailures, 'node registry read'));
  };
  await heartbeat();

  const runJobs = periodicJobs({ config, store, clock, vault, services, rootKeyUsage, runsMachineJobs });
  const webhooks = new WebhookDispatcher({
    store,
    clock,
    timeoutMs: config.webhookTimeoutMs,
    maxResponseBytes: WEBHOOK_RESPONSE_BYTES,
    allowPrivateAddresses: config.webhookAllowPrivateAddresses,
    userAgent: `Keyward-Webhooks/${VERSION}`,
    vault,
  });
  const runAnalyticsPrune = () => pruneAnalytics(analytics, retention, clock.now(), log);
  let closed: Promise<void> | undefined;
  const stopJobs =
    (options.backgroundJobs ?? true)
      ? startBackgroundJobs({
          runJobs,
          pruneAnalytics: runsMachineJobs ? runAnalyticsPrune : async () => undefined,
          catchUp,
          heartbeat,
          deliverWebhooks: () => webhooks.deliverDue(),
          invalidationPollMs: config.invalidationPollMs,
          nodeHeartbeatMs: config.nodeHeartbeatMs,
          log,
          databaseFailures,
        })
      : () => undefined;

  return {
    app,
    services,
    store,
    bus,
    clock,
    vault,
    analytics,
    analyticsRecorder,
    runJobs,
    webhooks,
    pruneAnalytics: runAnalyticsPrune,
    listen: () => app.listen({ port: config.port, host: config.host }),
    // Idempotent: a second close waits for the first.
    close: () => (closed ??= shutdown()),
  };

  async function shutdown(): Promise<void> {
    draining.stopping = true;
    stopJobs();
    const cut = await closeConnections(app.server, { delayMs: config.shutdownDelayMs, graceMs: config.shutdownGraceMs });
    if (cut > 0) {
      log.error(
        { connections: cut, graceMs: config.shutdownGraceMs },
        'shutdown grace period ran out: connections with requests in flight were cut',
      );
    }
    // Its server is closed already; Fastify's onClose hooks run here.
    await app.close();
    // No request records anything any more: what is buffered is written (within the recorder's deadline) before the
    // stores close.
    await analyticsRecorder?.close();
    await services.verify.flushUsage().catch((error: unknown) => log.error({ err: error }, 'usage flush failed at shutdown'));
    await rootKeyUsage.flush().catch((error: unknown) => log.error({ err: error }, 'root key usage flush failed at shutdown'));
    // Alerts claimed by the last requests commit (claim and outbox rows together) before the store closes.
    await services.verify.creditsAlerts.idle();
    await services.ratelimitAlerts?.idle();
    // Attempts in flight finish (each within KEYWARD_WEBHOOK_TIMEOUT_MS) and record their outcome before the store closes.
    await webhooks.stop().catch((error: unknown) => log.error({ err: error }, 'webhook deliveries failed at shutdown'));
    // A clean stop leaves the node registry at once; a node killed instead turns gone after three heartbeats.
    if (runsMachineJobs)
      await nodes.leave().catch((error: unknown) => log.error({ err: error }, 'could not remove this node from the node registry'));
    await bus.close();
    await changes.stop();
    await limiter.close();
    readiness.close();
    // After the recorder's last write.
    await analytics.close().catch((error: unknown) => log.error({ err: error }, 'analytics store close failed at shutdown'));
    await store.close();
    await vault?.close();
    if (cut > 0) throw new Error(`${cut} connections cut when the shutdown grace period ran out`);
  }
}
