import { presentRows } from '../analytics/query/results.js';
import type { AnalyticsEngine } from '../analytics/query/sql-writer.js';
import { translateAnalyticsQuery } from '../analytics/query/translate.js';
import type { AnalyticsTable } from '../analytics/schema.js';
import { AnalyticsLimitExceeded, type AnalyticsRetention, type AnalyticsStore } from '../analytics/store.js';
import { databaseUnavailableCause } from '../core/database-unavailable.js';
import { KeywardError } from '../core/errors.js';
import { LimiterFailures } from '../ratelimit/fail-open.js';
import { requirePermission } from './authorization.js';
import type { RequestContext } from './context.js';
import type { ServiceDeps } from './deps.js';

/**
 * analytics.getVerifications and analytics.getRatelimits (docs/unkey-compatibility.md, "Analytics"): the caller's
 * permission decides which rows it may read, the workspace's query rate is counted, the query is translated
 * (src/analytics/query/translate.ts) and run by the analytics store within its time and row limits.
 */

export interface AnalyticsQueryDeps {
  /** Where the analytics tables are; only its read side is used here. */
  store: Pick<AnalyticsStore, 'query'>;
  engine: AnalyticsEngine;
  retention: AnalyticsRetention;
  timeoutMs: number;
  maxRows: number;
  queriesPerMinute: number;
}

const QUERY_WINDOW_MS = 60_000;
/** The largest answer, in bytes of its rows as JSON (upstream's 4 MiB). */
export const ANALYTICS_RESULT_BYTES_MAX = 4 * 1024 * 1024;

/** The permission that reads each source: per resource, or `*` for the whole workspace (upstream's tuples only). */
const READ_ANALYTICS: Record<AnalyticsTable['source'], string> = { verifications: 'api', ratelimits: 'ratelimit' };

export class AnalyticsService {
  private readonly limiterFailures: LimiterFailures;

  constructor(private readonly deps: ServiceDeps) {
    this.limiterFailures = new LimiterFailures(deps.logger, deps.clock, 'analytics query rate');
  }

  getVerifications(ctx: RequestContext, query: string): Promise<Record<string, unknown>[]> {
    return this.run(ctx, 'verifications', query);
  }

  getRatelimits(ctx: RequestContext, query: string): Promise<Record<string, unknown>[]> {
    return this.run(ctx, 'ratelimits', query);
  }

  private async run(ctx: RequestContext, source: AnalyticsTable['source'], query: string): Promise<Record<string, unknown>[]> {
    const resourceIds = readableResources(ctx, READ_ANALYTICS[source]);
    const analytics = this.deps.analytics;
    if (!analytics) {
      throw new KeywardError(
        'analytics_unavailable',
        'Analytics is off on this server: no verification or rate-limit decision is recorded.',
      );
    }
    await this.countQuery(ctx.workspaceId, analytics.queriesPerMinute);
    const now = this.deps.clock.now();
    const translated = translateAnalyticsQuery({
      query,
      source,
      workspaceId: ctx.workspaceId,
      resourceIds,
      now,
      retention: analytics.retention,
      maxRows: analytics.maxRows,
      engine: analytics.engine,
    });
    let rows: Record<string, unknown>[];
    try {
      rows = await analytics.store.query(translated.statement, { timeoutMs: analytics.timeoutMs, maxRows: analytics.maxRows });
    } catch (error) {
      throw queryFailure(error, analytics);
    }
    const presented = presentRows(rows, translated.output);
    // As upstream: a few rows can still be huge (groupArray over every event), so the answer itself is bounded.
    if (Buffer.byteLength(JSON.stringify(presented)) > ANALYTICS_RESULT_BYTES_MAX) {
      throw new KeywardError('analytics_query_too_expensive', 'Query result exceeds the maximum response size.');
    }
    return presented;
  }

  /** One query against the workspace's per-minute allowance; a failing limiter lets the query through (logged). */
  private async countQuery(workspaceId: string, limit: number): Promise<void> {
    const now = this.deps.clock.now();
    let decision;
    try {
      [decision] = await this.deps.limiter.check(
        [{ key: `${workspaceId}:analytics.queries:${workspaceId}`, limit, duration: QUERY_WINDOW_MS, cost: 1 }],
        now,
      );
    } catch (error) {
      this.limiterFailures.report(error);
      return;
    }
    if (decision === undefined || decision.success) return;
    const seconds = Math.max(1, Math.ceil((decision.reset - now) / 1000));
    throw new KeywardError(
      'analytics_rate_limited',
      `This workspace may run ${limit} analytics queries per minute; try again in ${seconds} seconds.`,
      [],
      { 'retry-after': String(seconds) },
    );
  }
}

/**
 * The API (or namespace) ids whose rows the caller may read: null for all of its workspace (`<type>.*.read_analytics`),
 * else those of its `<type>.<id>.read_analytics` permissions; none: 403, as upstream.
 */
function readableResources(ctx: RequestContext, resourceType: string): string[] | null {
  const wildcard = `${resourceType}.*.read_analytics`;
  if (ctx.permissions.has(wildcard)) return null;
  const ids: string[] = [];
  for (const permission of ctx.permissions) {
    const parts = permission.split('.');
    if (parts.length === 3 && parts[0] === resourceType && parts[2] === 'read_analytics' && parts[1] !== '') ids.push(parts[1]!);
  }
  if (ids.length === 0) requirePermission(ctx, [wildcard]);
  return ids;
}

/** SQLSTATE classes of a query's own mistakes (22: data exception, 42: syntax or access rule). */
const QUERY_SQLSTATE = /^(22|42)/;

function queryFailure(error: unknown, analytics: AnalyticsQueryDeps): unknown {
  if (error instanceof AnalyticsLimitExceeded) {
    return new KeywardError(
      'analytics_query_too_expensive',
      error.limit === 'time'
        ? `The query ran longer than ${analytics.timeoutMs} ms; narrow its time range or read a rollup table.`
        : `The query returned more than ${analytics.maxRows} rows; aggregate it or add a LIMIT.`,
    );
  }
  if (databaseUnavailableCause(error) !== undefined) return error;
  // The engine refused what the translation let through (a type mismatch such as text compared with a number): the
  // query's fault, told as the engine words it, never with the statement, which holds Keyward's table names.
  const code = (error as { code?: unknown } | null)?.code;
  const fromEngine = typeof code === 'string' && (code === 'SQLITE_ERROR' || code === 'SQLITE_MISMATCH' || QUERY_SQLSTATE.test(code));
  if (fromEngine && error instanceof Error) {
    return new KeywardError('invalid_analytics_query', `The query could not be run: ${error.message.split('\n')[0]!.slice(0, 300)}`);
  }
  return error;
}
