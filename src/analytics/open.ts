import type { Config } from '../config.js';
import { isPostgresUrl } from '../core/database-url.js';
import { openingSetting } from '../setting-error.js';
import { PostgresAnalyticsStore } from './postgres-store.js';
import { SqliteAnalyticsStore } from './sqlite-store.js';
import { DAY_MS } from './schema.js';
import type { AnalyticsRetention, AnalyticsStore } from './store.js';

/**
 * The analytics store for this configuration, on the main store's engine (as src/storage/open-configured.ts chooses
 * it): PostgreSQL when KEYWARD_DATABASE_URL is one (its tables come with the main store's migrations, so open the main
 * store first), else the SQLite file of KEYWARD_ANALYTICS_DATABASE_URL. A failure names the setting.
 */
export function openAnalyticsStore(
  config: Pick<Config, 'databaseUrl' | 'analyticsDatabaseUrl' | 'databaseConnectTimeoutMs' | 'databaseQueryTimeoutMs'>,
): Promise<AnalyticsStore> {
  if (isPostgresUrl(config.databaseUrl)) {
    return openingSetting(
      'KEYWARD_DATABASE_URL',
      config.databaseUrl,
      async () =>
        new PostgresAnalyticsStore(config.databaseUrl, {
          connectTimeoutMs: config.databaseConnectTimeoutMs,
          // A batch of thousands of rows takes longer than an API statement: a generous bound, still finite.
          statementTimeoutMs: Math.max(config.databaseQueryTimeoutMs, 60_000),
        }),
    );
  }
  const file = config.analyticsDatabaseUrl ?? `${config.databaseUrl}.analytics`;
  return openingSetting('KEYWARD_ANALYTICS_DATABASE_URL', file, async () => SqliteAnalyticsStore.open(file));
}

/** KEYWARD_ANALYTICS_*_RETENTION_DAYS as AnalyticsStore.prune takes them. */
export const retentionOf = (config: Pick<Config, 'analyticsRetentionDays'>): AnalyticsRetention => {
  const days = config.analyticsRetentionDays;
  return {
    raw: days.raw * DAY_MS,
    minute: days.minute * DAY_MS,
    hour: days.hour * DAY_MS,
    day: days.day * DAY_MS,
    month: days.month * DAY_MS,
  };
};
