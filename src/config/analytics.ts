import { hostname } from 'node:os';
import { isPostgresUrl } from '../core/database-url.js';
import { SETTINGS } from '../settings.js';
import { integer, text } from './parse.js';
import type { Config } from './types.js';
import { databaseSetting } from './urls.js';

/**
 * The KEYWARD_ANALYTICS_* settings and KEYWARD_NODE_NAME (decision 0014), apart from loadConfig (config.ts): the
 * store's (retention, the SQLite analytics file) and the capture's (the recorder's buffer and flushes).
 */

/** The KEYWARD_ANALYTICS_* settings this process's store reads (retention, and the SQLite analytics file). */
export function analyticsStoreConfig(
  env: NodeJS.ProcessEnv,
  databaseUrl: string,
  problems: string[],
): Pick<Config, 'analyticsDatabaseUrl' | 'analyticsRetentionDays'> {
  const days = (name: AnalyticsRetentionSetting) => integer(env, name, SETTINGS[name].default, 0, 36_500, problems);
  const analyticsRetentionDays = {
    raw: days('KEYWARD_ANALYTICS_RETENTION_DAYS'),
    minute: days('KEYWARD_ANALYTICS_MINUTE_RETENTION_DAYS'),
    hour: days('KEYWARD_ANALYTICS_HOUR_RETENTION_DAYS'),
    day: days('KEYWARD_ANALYTICS_DAY_RETENTION_DAYS'),
    month: days('KEYWARD_ANALYTICS_MONTH_RETENTION_DAYS'),
  };
  if (isPostgresUrl(databaseUrl)) return { analyticsDatabaseUrl: null, analyticsRetentionDays };
  const analyticsDatabaseUrl = databaseSetting(env, 'KEYWARD_ANALYTICS_DATABASE_URL', `${databaseUrl}.analytics`, problems);
  if (isPostgresUrl(analyticsDatabaseUrl)) {
    problems.push('KEYWARD_ANALYTICS_DATABASE_URL must be a SQLite file path: on PostgreSQL, analytics live in the main database');
  } else if (analyticsDatabaseUrl === databaseUrl) {
    problems.push('KEYWARD_ANALYTICS_DATABASE_URL must name a file apart from KEYWARD_DATABASE_URL');
  }
  return { analyticsDatabaseUrl, analyticsRetentionDays };
}

type AnalyticsRetentionSetting =
  | 'KEYWARD_ANALYTICS_RETENTION_DAYS'
  | 'KEYWARD_ANALYTICS_MINUTE_RETENTION_DAYS'
  | 'KEYWARD_ANALYTICS_HOUR_RETENTION_DAYS'
  | 'KEYWARD_ANALYTICS_DAY_RETENTION_DAYS'
  | 'KEYWARD_ANALYTICS_MONTH_RETENTION_DAYS';

type AnalyticsCaptureConfig = Pick<
  Config,
  'analytics' | 'analyticsBufferEvents' | 'analyticsFlushEvents' | 'analyticsFlushMs' | 'nodeName'
>;

/** KEYWARD_ANALYTICS, its buffer and flush settings, and KEYWARD_NODE_NAME. */
export function analyticsCaptureConfig(env: NodeJS.ProcessEnv, problems: string[]): AnalyticsCaptureConfig {
  const raw = text(env, 'KEYWARD_ANALYTICS').toLowerCase() || SETTINGS.KEYWARD_ANALYTICS.default;
  if (raw !== 'on' && raw !== 'off') problems.push(`KEYWARD_ANALYTICS must be on or off, got "${text(env, 'KEYWARD_ANALYTICS')}"`);
  const analyticsBufferEvents = integer(
    env,
    'KEYWARD_ANALYTICS_BUFFER_EVENTS',
    SETTINGS.KEYWARD_ANALYTICS_BUFFER_EVENTS.default,
    1,
    10_000_000,
    problems,
  );
  const analyticsFlushEvents = integer(
    env,
    'KEYWARD_ANALYTICS_FLUSH_EVENTS',
    SETTINGS.KEYWARD_ANALYTICS_FLUSH_EVENTS.default,
    1,
    1_000_000,
    problems,
  );
  // A batch larger than the buffer could never be gathered: writes would only ever come from the timer.
  if (analyticsFlushEvents > analyticsBufferEvents) {
    problems.push('KEYWARD_ANALYTICS_FLUSH_EVENTS must not be larger than KEYWARD_ANALYTICS_BUFFER_EVENTS');
  }
  const nodeName = text(env, 'KEYWARD_NODE_NAME') || hostname();
  // Stored in every event and grouped by in queries: a short printable name, not a free-form text.
  if (!/^[\x21-\x7e]{1,128}$/.test(nodeName)) {
    problems.push('KEYWARD_NODE_NAME must be 1 to 128 printable characters without spaces');
  }
  return {
    analytics: raw !== 'off',
    analyticsBufferEvents,
    analyticsFlushEvents,
    analyticsFlushMs: integer(env, 'KEYWARD_ANALYTICS_FLUSH_MS', SETTINGS.KEYWARD_ANALYTICS_FLUSH_MS.default, 10, 600_000, problems),
    nodeName,
  };
}
