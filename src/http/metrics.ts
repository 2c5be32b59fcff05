import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { AnalyticsCounts, AnalyticsEventKind, AnalyticsEventResult, AnalyticsFlushResult } from '../analytics/recorder.js';
import type { KeyFilterStats } from '../cache/known-key-hashes.js';
import type { KeyLookupCounts } from '../services/deps.js';
import { type HistogramSeries, RequestHistogram } from './request-histogram.js';

/**
 * Prometheus metrics at GET /metrics. Labels are operation names, status codes and verification codes only:
 * never a key, a hash, an id or a workspace, so nothing here identifies a tenant or a secret, and label
 * cardinality stays fixed.
 */
export interface Metrics extends AnalyticsCounts, KeyLookupCounts {
  registry: Registry;
  analyticsFlush(result: AnalyticsFlushResult, seconds: number): void;
  /** Counts one verification outcome (VALID, NOT_FOUND, ...). */
  verification(code: string): void;
  /** Records one answered request: the route's URL pattern (never the request URL), its status and how long it took. */
  request(operation: string, status: number, seconds: number): void;
}

/**
 * `caches`: each in-process cache's entry count by the name its gauge label carries; `ratelimitCounters`: the
 * in-memory limiter's counter count (absent with Redis); `databaseUp`: whether the database answered the latest
 * connection or statement; `keyFilter`: the unknown-key filters' counts and memory (absent: no filters); `redisUp`:
 * whether every Redis client is connected (absent without Redis). An absent gauge is not reported. `analyticsBuffer`: events the analytics recorder holds (absent with KEYWARD_ANALYTICS=off).
 */
export function createMetrics(
  caches: Record<string, () => number>,
  gauges: {
    ratelimitCounters?: () => number;
    keyFilter?: { stats: KeyFilterStats; bytes: () => number };
    databaseUp?: () => boolean;
    redisUp?: () => boolean;
    analyticsBuffer?: () => number;
  } = {},
): Metrics {
  const { ratelimitCounters, keyFilter, databaseUp, redisUp, analyticsBuffer } = gauges;
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'keyward_' });
  if (databaseUp) {
    new Gauge({
      name: 'keyward_database_up',
      help: 'Whether the database answered the latest connection or statement (1) or not (0); read at scrape time, no query of its own',
      registers: [registry],
      collect() {
        this.set(databaseUp() ? 1 : 0);
      },
    });
  }
  const verifications = new Counter({
    name: 'keyward_verifications_total',
    help: 'keys.verifyKey outcomes by code',
    labelNames: ['code'],
    registers: [registry],
  });
  const keyLookups = new Counter({
    name: 'keyward_key_store_lookups_total',
    help: 'keys.verifyKey lookups of a key by hash that reached the store (cache misses and re-reads), by result: found, not_found',
    labelNames: ['result'],
    registers: [registry],
  });
  // Both series exist from the start at 0, so a rate() works before the first lookup.
  const keyLookupSeries = { found: keyLookups.labels('found'), not_found: keyLookups.labels('not_found') };
  keyLookupSeries.found.inc(0);
  keyLookupSeries.not_found.inc(0);
  // The unknown-key filters (docs/decisions/0021-unknown-key-flood.md): counted by the filters as plain numbers (one is
  // counted on every verification) and read here at scrape time.
  if (keyFilter) {
    const { stats, bytes } = keyFilter;
    new Counter({
      name: 'keyward_key_filter_checks_total',
      help:
        'keys.verifyKey checks of a built unknown-key filter: passed (it may hold the key: looked up as before), unknown (answered unknown ' +
        'without a store lookup), late (not held, then found in the change log read: a key created just before), untrusted ' +
        '(not held, looked up: a node that does not log new key hashes is up, as during a rolling upgrade)',
      labelNames: ['result'],
      registers: [registry],
      collect() {
        this.reset();
        for (const result of ['passed', 'unknown', 'late', 'untrusted'] as const) this.inc({ result }, stats[result]);
      },
    });
    new Counter({
      name: 'keyward_key_filter_builds_total',
      help: "Unknown-key filters built (one paged read of a workspace's key hashes each) or failed (its lookups go to the store meanwhile)",
      labelNames: ['result'],
      registers: [registry],
      collect() {
        this.reset();
        for (const result of ['built', 'failed'] as const) this.inc({ result }, stats[result]);
      },
    });
    new Gauge({
      name: 'keyward_key_filter_bytes',
      help: 'Memory held by the unknown-key filters of every workspace (about 1.9 MB per million keys)',
      registers: [registry],
      collect() {
        this.set(bytes());
      },
    });
  }
  const requests = new RequestHistogram(
    'keyward_http_request_duration_seconds',
    'HTTP request latency by operation and status',
    ['operation', 'status'],
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registry,
  );
  new Gauge({
    name: 'keyward_cache_entries',
    help: 'Entries in the in-process lookup caches',
    labelNames: ['cache'],
    registers: [registry],
    collect() {
      for (const [cache, size] of Object.entries(caches)) this.set({ cache }, size());
    },
  });
  if (ratelimitCounters) {
    new Gauge({
      name: 'keyward_ratelimit_counters',
      help: 'Rate-limit windows held by the in-memory limiter',
      registers: [registry],
      collect() {
        this.set(ratelimitCounters());
      },
    });
  }
  if (redisUp) {
    new Gauge({
      name: 'keyward_redis_up',
      help: '1 when every Redis client (rate limiter, invalidation bus) is connected, 0 when one is not',
      registers: [registry],
      collect() {
        this.set(redisUp() ? 1 : 0);
      },
    });
  }
  const analyticsEvents = new Counter({
    name: 'keyward_analytics_events_total',
    help: 'Analytics events by kind (verification, ratelimit) and what became of them: written, dropped (buffer full), failed (write given up)',
    labelNames: ['kind', 'result'],
    registers: [registry],
  });
  // Every series exists from the start at 0, so a rate() over drops works before the first drop.
  const analyticsSeries = new Map<string, { inc(value: number): void }>();
  for (const kind of ['verification', 'ratelimit'] as const) {
    for (const result of ['written', 'dropped', 'failed'] as const) {
      analyticsEvents.inc({ kind, result }, 0);
      analyticsSeries.set(`${kind} ${result}`, analyticsEvents.labels(kind, result));
    }
  }
  const analyticsFlush = new Histogram({
    name: 'keyward_analytics_flush_seconds',
    help: 'How long each analytics batch write took, by result (success, failure)',
    labelNames: ['result'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 10],
    registers: [registry],
  });
  const analyticsFlushSeries = {
    success: analyticsFlush.labels('success'),
    failure: analyticsFlush.labels('failure'),
  };
  if (analyticsBuffer) {
    new Gauge({
      name: 'keyward_analytics_buffer_events',
      help: 'Analytics events held in memory, waiting to be written (at most KEYWARD_ANALYTICS_BUFFER_EVENTS)',
      registers: [registry],
      collect() {
        this.set(analyticsBuffer());
      },
    });
  }
  // Resolving a label set costs more than observing a value, and there are few (operation, status) pairs:
  // each one's child is looked up once. Verification codes are a closed set too.
  const requestSeries = new Map<string, HistogramSeries>();
  const verificationSeries = new Map<string, { inc(): void }>();
  return {
    registry,
    verification(code) {
      let series = verificationSeries.get(code);
      if (series === undefined) {
        series = verifications.labels(code);
        verificationSeries.set(code, series);
      }
      series.inc();
    },
    keyLookup(result) {
      keyLookupSeries[result].inc();
    },
    analyticsEvents(kind: AnalyticsEventKind, result: AnalyticsEventResult, count: number) {
      if (count > 0) analyticsSeries.get(`${kind} ${result}`)!.inc(count);
    },
    analyticsFlush(result: AnalyticsFlushResult, seconds: number) {
      analyticsFlushSeries[result].observe(seconds);
    },
    request(operation, status, seconds) {
      const id = `${status} ${operation}`;
      let series = requestSeries.get(id);
      if (series === undefined) {
        series = requests.labels(operation, String(status));
        requestSeries.set(id, series);
      }
      series.observe(seconds);
    },
  };
}

/** Request counts and latencies for every route Fastify answers, and the /metrics route. */
export function registerMetrics(app: FastifyInstance, metrics: Metrics): void {
  // Callback style rather than async: no promise per request.
  app.addHook('onResponse', (request, reply, done) => {
    // The route's URL pattern, not the request URL: unknown paths all count as one label value.
    metrics.request(request.routeOptions.url ?? 'unknown', reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => {
    reply.type(metrics.registry.contentType);
    return metrics.registry.metrics();
  });
}
