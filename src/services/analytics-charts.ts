import { type ChartRange, type ChartScope, bucketStarts, type TopBy, timeseriesQuery, topQuery } from '../analytics/charts.js';
import type { RollupGrain } from '../analytics/schema.js';
import { AnalyticsLimitExceeded, type CompiledAnalyticsQuery } from '../analytics/store.js';
import type { AnalyticsQueryDeps } from './analytics.js';
import { VERIFY_CODES } from '../contract/keys.js';
import type { Clock } from '../core/clock.js';
import { badInput, KeywardError } from '../core/errors.js';
import { eitherScope, satisfies } from '../core/permissions.js';
import type { Store } from '../storage/store.js';
import type { RequestContext } from './context.js';
import { apiNotFound } from './not-found.js';

/**
 * The Keyward-only chart reads (issue 14 item 4): verifications per bucket and the most used keys and identities,
 * from the verification rollups (src/analytics/charts.ts), within the caller's workspace and the APIs its
 * `read_analytics` permissions cover.
 */

export interface AnalyticsChartsDeps {
  store: Store;
  clock: Clock;
  /** The analytics store with its retention and query time limit; null or absent: analytics is off (503). */
  analytics?: AnalyticsQueryDeps | null;
}

/** The most buckets one series answers: enough for a day of minutes or a month of hours, small enough to chart. */
export const MAX_BUCKETS = 1000;
/** Top lists read the day rollup, or the hour rollup for ranges shorter than this. */
const HOUR_ROLLUP_BELOW_MS = 2 * 86_400_000;

/** One verify outcome's count per code, keyed by the code in camelCase (`RATE_LIMITED` → `rateLimited`). */
type OutcomeField =
  | 'valid'
  | 'notFound'
  | 'forbidden'
  | 'insufficientPermissions'
  | 'usageExceeded'
  | 'rateLimited'
  | 'disabled'
  | 'expired';
export type OutcomeCounts = Record<OutcomeField | 'total' | 'spentCredits', number>;
const OUTCOME_FIELD = Object.fromEntries(
  VERIFY_CODES.map((code) => [code, code.toLowerCase().replace(/_([a-z])/g, (_, letter: string) => letter.toUpperCase())]),
) as Record<(typeof VERIFY_CODES)[number], OutcomeField>;

const zeroCounts = (): OutcomeCounts => ({
  total: 0,
  valid: 0,
  notFound: 0,
  forbidden: 0,
  insufficientPermissions: 0,
  usageExceeded: 0,
  rateLimited: 0,
  disabled: 0,
  expired: 0,
  spentCredits: 0,
});

export interface TimeseriesInput extends ChartRange {
  interval: RollupGrain;
  apiId?: string;
  keyId?: string;
  identityId?: string;
  externalId?: string;
  tags?: string[];
}

export interface TopInput extends ChartRange {
  apiId?: string;
  tags?: string[];
  limit: number;
}

export type TimeseriesPoint = OutcomeCounts & { time: number; latencyAvg: number };
export type TopKey = OutcomeCounts & { keyId: string; apiId: string };
export type TopIdentity = OutcomeCounts & { identityId: string; externalId: string };

export class AnalyticsChartsService {
  constructor(private readonly deps: AnalyticsChartsDeps) {}

  async timeseries(ctx: RequestContext, input: TimeseriesInput): Promise<TimeseriesPoint[]> {
    checkRange(input);
    const buckets = bucketStarts(input, input.interval, MAX_BUCKETS);
    if (buckets.length > MAX_BUCKETS) {
      throw badInput(`The range holds more than ${MAX_BUCKETS} ${input.interval} buckets.`, [
        { location: 'body.interval', message: `more than ${MAX_BUCKETS} buckets`, fix: 'Use a shorter range or a larger interval.' },
      ]);
    }
    this.checkRetention(input, input.interval);
    const analytics = this.store();
    const scope = await this.scope(ctx, input);
    const rows = await this.run(analytics, timeseriesQuery(this.deps.store.engine, scope, input, input.interval));
    return timeseriesPoints(buckets, rows);
  }

  async topKeys(ctx: RequestContext, input: TopInput): Promise<TopKey[]> {
    const rows = await this.top(ctx, input, 'key');
    return rows.map((row) => ({ keyId: String(row.key_id), apiId: String(row.key_space_id), ...countsOf(row) }));
  }

  async topIdentities(ctx: RequestContext, input: TopInput): Promise<TopIdentity[]> {
    const rows = await this.top(ctx, input, 'identity');
    return rows.map((row) => ({ identityId: String(row.identity_id), externalId: String(row.external_id), ...countsOf(row) }));
  }

  private async top(ctx: RequestContext, input: TopInput, by: TopBy): Promise<Record<string, unknown>[]> {
    checkRange(input);
    const grain: RollupGrain = input.end - input.start < HOUR_ROLLUP_BELOW_MS ? 'hour' : 'day';
    this.checkRetention(input, grain);
    const analytics = this.store();
    const scope = await this.scope(ctx, input);
    return this.run(analytics, topQuery(this.deps.store.engine, by, scope, input, grain, input.limit));
  }

  private store(): AnalyticsQueryDeps {
    if (!this.deps.analytics) throw new KeywardError('analytics_unavailable', 'Analytics is off on this server.');
    return this.deps.analytics;
  }

  /** Refuses a range starting before what the rollup still holds (as analytics.getVerifications does). */
  private checkRetention(range: ChartRange, grain: RollupGrain): void {
    const kept = this.deps.analytics?.retention[grain] ?? 0;
    if (kept === 0) return;
    const oldest = this.deps.clock.now() - kept;
    if (range.start < oldest) {
      const days = Math.round(kept / 86_400_000);
      throw new KeywardError(
        'query_range_exceeds_retention',
        `The ${grain} rollup keeps ${days} days: start must not be before ${new Date(oldest).toISOString()}.`,
        [{ location: 'body.start', message: `older than the ${grain} rollup's retention`, fix: 'Use a later start or a larger interval.' }],
      );
    }
  }

  /**
   * The workspace and APIs the read covers. With `apiId`: that API, when the caller may read its analytics and it is
   * in the caller's workspace, else "not found" (a caller cannot probe other APIs). Without: every API with
   * `api.*.read_analytics`, else the ones named by `api.<id>.read_analytics`, else 403.
   */
  private async scope(
    ctx: RequestContext,
    input: { apiId?: string; keyId?: string; identityId?: string; externalId?: string; tags?: string[] },
  ): Promise<ChartScope> {
    const filters = { keyId: input.keyId, identityId: input.identityId, externalId: input.externalId, tags: input.tags };
    if (input.apiId !== undefined) {
      if (!satisfies(ctx.permissions, ctx.workspaceId, eitherScope('api', input.apiId, 'read_analytics'))) throw apiNotFound();
      if (!(await this.deps.store.findApi(ctx.workspaceId, input.apiId))) throw apiNotFound();
      return { workspaceId: ctx.workspaceId, apiIds: [input.apiId], ...filters };
    }
    if (ctx.permissions.has('api.*.read_analytics')) return { workspaceId: ctx.workspaceId, apiIds: null, ...filters };
    const apiIds = [...ctx.permissions].flatMap((permission) => /^api\.([A-Za-z0-9_]+)\.read_analytics$/.exec(permission)?.[1] ?? []);
    if (apiIds.length === 0) {
      throw new KeywardError(
        'insufficient_permissions',
        "Missing one of these permissions: 'api.*.read_analytics' or 'api.<apiId>.read_analytics'",
      );
    }
    return { workspaceId: ctx.workspaceId, apiIds, ...filters };
  }

  /** A series has at most one row per bucket, a top list at most 100: MAX_BUCKETS rows always suffice. */
  private async run(analytics: AnalyticsQueryDeps, query: CompiledAnalyticsQuery): Promise<Record<string, unknown>[]> {
    try {
      return await analytics.store.query(query, { timeoutMs: analytics.timeoutMs, maxRows: MAX_BUCKETS });
    } catch (error) {
      if (error instanceof AnalyticsLimitExceeded) {
        throw new KeywardError(
          'analytics_query_too_expensive',
          `The chart query ran longer than ${analytics.timeoutMs} ms; try a shorter range or a larger interval.`,
        );
      }
      throw error;
    }
  }
}

function checkRange(range: ChartRange): void {
  if (range.end < range.start) {
    throw badInput('`end` must not be before `start`.', [
      { location: 'body.end', message: `end (${range.end}) is before start (${range.start})`, fix: 'swap `start` and `end`' },
    ]);
  }
}

/** One point per bucket start, from timeseriesQuery's rows (src/analytics/charts.ts); a bucket without a row counts 0. */
export function timeseriesPoints(buckets: readonly number[], rows: readonly Record<string, unknown>[]): TimeseriesPoint[] {
  const byTime = new Map(rows.map((row) => [Number(row.time), row]));
  return buckets.map((time) => {
    const row = byTime.get(time);
    if (!row) return { time, ...zeroCounts(), latencyAvg: 0 };
    const counts = countsOf(row);
    return { time, ...counts, latencyAvg: counts.total === 0 ? 0 : Number(row.latency_sum) / counts.total };
  });
}

function countsOf(row: Record<string, unknown>): OutcomeCounts {
  const counts = zeroCounts();
  counts.total = Number(row.total);
  counts.spentCredits = Number(row.spent_credits);
  for (const code of VERIFY_CODES) counts[OUTCOME_FIELD[code]] = Number(row[`o_${code}`]);
  return counts;
}
