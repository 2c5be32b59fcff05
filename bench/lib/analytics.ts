import type { VerificationEvent } from '../../src/analytics/events.js';
import type { SqliteAnalyticsStore } from '../../src/analytics/sqlite-store.js';
import type { AnalyticsStore } from '../../src/analytics/store.js';
import { loadConfig } from '../../src/config.js';
import { createServer } from '../../src/server.js';
import { type BulkLoadTimes, type BulkTarget, bulkLoad, storedBytes } from './analytics-bulk.js';
import { benchEvent, type EventPlan, eventPlan, QUERY_APIS, QUERY_KEYS, queriedKey } from './analytics-events.js';
import { type Engine, prepareDatabase } from './keys.js';

/**
 * Issue 14's analytics benchmarks that are not a wrk load: what /metrics says the recorder did with a load's events,
 * and the latency of analytics.getVerifications over many stored events.
 */

/** keyward_analytics_events_total of verifications, and the buffer gauge, as /metrics reports them. */
export interface AnalyticsCounts {
  written: number;
  dropped: number;
  failed: number;
  buffered: number;
}

export async function readAnalyticsCounts(serverUrl: string): Promise<AnalyticsCounts> {
  const response = await fetch(`${serverUrl}/metrics`, { signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
  const value = (pattern: RegExp) => {
    const match = pattern.exec(text);
    if (!match) throw new Error(`/metrics has no ${pattern.source}`);
    return Number(match[1]);
  };
  const events = (result: string) =>
    value(new RegExp(`^keyward_analytics_events_total\\{kind="verification",result="${result}"\\} (\\S+)$`, 'm'));
  return {
    written: events('written'),
    dropped: events('dropped'),
    failed: events('failed'),
    buffered: value(/^keyward_analytics_buffer_events (\S+)$/m),
  };
}

/** What became of the events of a sustained load: counted from before the load to when the buffer is empty again. */
export interface SustainedEvents {
  /** Seconds of load (every run and warm-up). */
  loadSeconds: number;
  /** Requests wrk had answered in those seconds. */
  requests: number;
  written: number;
  dropped: number;
  failed: number;
  /** Seconds after the load until the recorder's buffer was empty. */
  drainSeconds: number;
  /** Events written per second of load. */
  eventsPerSecond: number;
}

/** Waits (at most 60 s) for the recorder to write what it holds, then says what became of the load's events. */
export async function sustainedEvents(
  serverUrl: string,
  before: AnalyticsCounts,
  load: { seconds: number; requests: number },
): Promise<SustainedEvents> {
  const started = performance.now();
  let after = await readAnalyticsCounts(serverUrl);
  while (after.buffered > 0 && performance.now() - started < 60_000) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    after = await readAnalyticsCounts(serverUrl);
  }
  const written = after.written - before.written;
  return {
    loadSeconds: load.seconds,
    requests: load.requests,
    written,
    dropped: after.dropped - before.dropped,
    failed: after.failed - before.failed,
    drainSeconds: (performance.now() - started) / 1000,
    eventsPerSecond: written / load.seconds,
  };
}

const BATCH = 20_000;

/** How the benchmark's events get stored: the store's own write() in batches, or the bulk loader (bench/lib/analytics-bulk.ts). */
export type AnalyticsLoader = 'write' | 'bulk';

/**
 * Stores `plan`'s events through the store's own write() (raw rows and rollups, as the recorder writes them) in
 * batches of 20,000 in time order, as the recorder's batches are time slices.
 */
export async function loadByWrite(store: Pick<AnalyticsStore, 'write'>, plan: EventPlan, progress?: (done: number) => void): Promise<void> {
  for (let done = 0; done < plan.events; ) {
    const size = Math.min(BATCH, plan.events - done);
    const verifications: VerificationEvent[] = [];
    for (let i = 0; i < size; i++) verifications.push(benchEvent(plan, done + i));
    await store.write({ verifications, ratelimits: [] });
    done += size;
    progress?.(done);
  }
}

/** The two queries of issue 14's target: one key's outcomes over 30 days (raw events), one API's days (day rollup). */
export const benchQueries = (keyId: string, apiId: string): { label: string; query: string }[] => [
  {
    label: 'per-key count by outcome, 30 days (raw events)',
    query: `SELECT outcome, count(*) AS total FROM key_verifications_v1 WHERE key_id = '${keyId}' AND time >= now() - toIntervalDay(30) GROUP BY outcome ORDER BY outcome`,
  },
  {
    label: 'per-day usage of one API, 30 days (day rollup)',
    query: `SELECT time, sum(count) AS total FROM key_verifications_per_day_v1 WHERE key_space_id = '${apiId}' AND time >= now() - toIntervalDay(30) GROUP BY time ORDER BY time`,
  },
];

export interface QueryLatency {
  label: string;
  query: string;
  /** Rows of the last answer, to show it was a real one. */
  rows: number;
  p50Ms: number;
  p99Ms: number;
}

export interface AnalyticsQueryResult {
  engine: Engine;
  events: number;
  apis: number;
  keys: number;
  /** How they were stored. */
  loader: AnalyticsLoader;
  /** Seconds storing all of them took (raw rows and rollups; with the bulk loader, its ANALYZE too). */
  insertSeconds: number;
  /** The bulk loader's steps (absent with write()). */
  bulk?: BulkLoadTimes;
  /** Bytes the verification tables and indexes take once loaded (bench/lib/analytics-bulk.ts storedBytes). */
  storedBytes: number;
  queries: QueryLatency[];
}

const percentile = (values: number[], p: number): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
};

/**
 * Stores `events` verification events (bench/lib/analytics-events.ts: the last 30 days, 10,000 keys over 10 APIs)
 * with `loader`, then times `samples` sequential calls of each query through analytics.getVerifications (the route,
 * its translation and the store: query processes on SQLite, the analytics pool on PostgreSQL), after a few
 * unmeasured ones.
 */
export async function measureAnalyticsQueries(
  engine: Engine,
  options: { postgresUrl: string; events: number; samples: number; loader: AnalyticsLoader; log: (line: string) => void },
): Promise<AnalyticsQueryResult> {
  const { log } = options;
  const db = await prepareDatabase(engine, 0, { postgresUrl: options.postgresUrl, log: () => undefined });
  try {
    const config = loadConfig({
      KEYWARD_PORT: '0',
      KEYWARD_DATA_DIR: db.dataDir,
      KEYWARD_DATABASE_URL: db.databaseUrl,
      KEYWARD_LOG_LEVEL: 'silent',
      // The queries here are the measurement, not a tenant to hold back.
      KEYWARD_ANALYTICS_QUERIES_PER_MINUTE: '1000000',
    });
    const server = await createServer({ config, backgroundJobs: false });
    try {
      const apis = [db.apiId, ...Array.from({ length: QUERY_APIS - 1 }, (_, i) => `api_bench_analytics_${i + 1}`)];
      const plan = eventPlan(options.events, Date.now(), db.workspaceId, apis);
      const started = performance.now();
      let bulk: BulkLoadTimes | undefined;
      const target: BulkTarget =
        engine === 'sqlite' ? { engine, file: (server.analytics as SqliteAnalyticsStore).file } : { engine, url: db.databaseUrl };
      if (options.loader === 'bulk') {
        bulk = await bulkLoad(target, plan, { analyze: true });
      } else {
        let lastLog = started;
        await loadByWrite(server.analytics, plan, (done) => {
          if (performance.now() - lastLog < 30_000) return;
          lastLog = performance.now();
          const seconds = (lastLog - started) / 1000;
          log(`  ${engine}: ${done.toLocaleString('en-US')} events stored in ${seconds.toFixed(0)} s (${Math.round(done / seconds)}/s)`);
        });
      }
      const insertSeconds = (performance.now() - started) / 1000;
      log(
        `  ${engine}: ${options.events.toLocaleString('en-US')} analytics events stored by ${options.loader === 'bulk' ? 'the bulk loader' : 'write()'} in ${insertSeconds.toFixed(1)} s (${Math.round(options.events / insertSeconds)}/s)` +
          (bulk
            ? `: raw ${bulk.rawSeconds.toFixed(1)} s, rollups ${bulk.rollupSeconds.toFixed(1)} s, ANALYZE ${bulk.analyzeSeconds.toFixed(1)} s`
            : ''),
      );

      const stored = await storedBytes(target);
      log(
        `  ${engine}: the verification tables take ${(stored / 1e6).toFixed(0)} MB (${(stored / 1e6 / (options.events / 1e6)).toFixed(0)} MB per million events)`,
      );

      const queries = benchQueries(queriedKey(plan), db.apiId);
      const results: QueryLatency[] = [];
      for (const { label, query } of queries) {
        const call = async () => {
          const t0 = performance.now();
          const response = await server.app.inject({
            method: 'POST',
            url: '/v2/analytics.getVerifications',
            headers: { 'content-type': 'application/json', authorization: `Bearer ${db.rootKey}` },
            payload: JSON.stringify({ query }),
          });
          const ms = performance.now() - t0;
          if (response.statusCode !== 200) throw new Error(`analytics.getVerifications answered ${response.statusCode}: ${response.body}`);
          const rows = (response.json() as { data: Record<string, unknown>[] }).data;
          if (rows.length === 0) throw new Error(`analytics.getVerifications found no rows for ${query}`);
          return { ms, rows: rows.length };
        };
        for (let i = 0; i < 3; i++) await call();
        const times: number[] = [];
        let rows = 0;
        for (let i = 0; i < options.samples; i++) {
          const { ms, rows: n } = await call();
          times.push(ms);
          rows = n;
        }
        results.push({ label, query, rows, p50Ms: percentile(times, 50), p99Ms: percentile(times, 99) });
        log(`  ${engine}: ${label}: p50 ${percentile(times, 50).toFixed(1)} ms, p99 ${percentile(times, 99).toFixed(1)} ms (${rows} rows)`);
      }
      return {
        engine,
        events: options.events,
        apis: QUERY_APIS,
        keys: QUERY_KEYS,
        loader: options.loader,
        insertSeconds,
        ...(bulk ? { bulk } : {}),
        storedBytes: stored,
        queries: results,
      };
    } finally {
      await server.close();
    }
  } finally {
    await db.drop();
  }
}
