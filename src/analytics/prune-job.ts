import type { AnalyticsPruneResult, AnalyticsRetention, AnalyticsStore } from './store.js';

/** How often a node prunes analytics (src/server.ts arms it); the first run comes a minute after start. */
export const ANALYTICS_PRUNE_INTERVAL_MS = 3_600_000;
export const ANALYTICS_FIRST_PRUNE_MS = 60_000;

/**
 * One retention pass (KEYWARD_ANALYTICS_*_RETENTION_DAYS) at the clock's time. Every node runs it; on PostgreSQL
 * the store's advisory lock lets one prune at a time and the others skip (src/analytics/postgres-store.ts).
 */
export async function pruneAnalytics(
  store: AnalyticsStore,
  retention: AnalyticsRetention,
  now: number,
  log: { info(fields: Record<string, unknown>, message: string): void },
): Promise<AnalyticsPruneResult> {
  const result = await store.prune(now, retention);
  const deleted = Object.values(result.deleted).reduce((sum, n) => sum + n, 0);
  if (deleted > 0) log.info({ deleted: result.deleted }, 'analytics rows past their retention deleted');
  return result;
}
