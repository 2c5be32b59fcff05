import { bucketStart, DAY_MS as DAY } from '../schema.js';
import type { AnalyticsEngine } from './sql-writer.js';

/**
 * Time in analytics queries is Unix milliseconds everywhere (src/analytics/schema.ts): `time` columns, `now()`,
 * `INTERVAL 7 DAY`, and what ClickHouse's date functions answer here (`toStartOfDay(x)` is the bucket's first
 * millisecond). Both the engines' SQL (`startOfSql`) and the retention check's own arithmetic (`startOf`) use these.
 */

export type TimeUnit = 'minute' | 'hour' | 'day' | 'week' | 'month' | 'year';

const MINUTE = 60_000;
/** ClickHouse's weeks start on Sunday; 1970-01-01 was a Thursday, four days after one. */
const WEEK_OFFSET = 4 * DAY;
const FIXED_WIDTH: Partial<Record<TimeUnit, number>> = { minute: MINUTE, hour: 60 * MINUTE, day: DAY };

/** Milliseconds of one INTERVAL unit; a month is 30 days and a year 365, as upstream's retention check counts them. */
export const INTERVAL_MS: Readonly<Record<string, number>> = {
  millisecond: 1,
  second: 1_000,
  minute: MINUTE,
  hour: 60 * MINUTE,
  day: DAY,
  week: 7 * DAY,
  month: 30 * DAY,
  quarter: 90 * DAY,
  year: 365 * DAY,
};

export function startOf(time: number, unit: TimeUnit): number {
  switch (unit) {
    case 'minute':
    case 'hour':
    case 'day':
    case 'month':
      return bucketStart(time, unit);
    case 'week':
      return time - ((((time + WEEK_OFFSET) % (7 * DAY)) + 7 * DAY) % (7 * DAY));
    case 'year':
      return Date.UTC(new Date(time).getUTCFullYear(), 0, 1);
  }
}

/** SQL for the first millisecond of the unit `x` (an SQL expression in ms) falls in. */
export function startOfSql(engine: AnalyticsEngine, x: string, unit: TimeUnit): string {
  const width = FIXED_WIDTH[unit];
  if (width !== undefined) {
    return engine === 'sqlite'
      ? `(CAST((${x}) / ${width} AS INTEGER) * ${width})`
      : `(CAST(floor((${x}) / ${width}.0) AS bigint) * ${width})`;
  }
  if (unit === 'week') {
    const w = 7 * DAY;
    return engine === 'sqlite'
      ? `(CAST(((${x}) + ${WEEK_OFFSET}) / ${w} AS INTEGER) * ${w} - ${WEEK_OFFSET})`
      : `(CAST(floor(((${x}) + ${WEEK_OFFSET}) / ${w}.0) AS bigint) * ${w} - ${WEEK_OFFSET})`;
  }
  return engine === 'sqlite'
    ? `(CAST(strftime('%s', CAST((${x}) / 1000 AS INTEGER), 'unixepoch', 'start of ${unit}') AS INTEGER) * 1000)`
    : `(CAST(EXTRACT(EPOCH FROM date_trunc('${unit}', to_timestamp((${x}) / 1000.0) AT TIME ZONE 'UTC')) AS bigint) * 1000)`;
}

/** A date written as text (`'2026-01-01'`, `'2026-01-01 12:00:00'`, RFC 3339) in UTC ms, or undefined. */
export function parseDateText(text: string): number | undefined {
  const match = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,3}))?(Z|[+-]\d{2}:\d{2})?)?$/.exec(text);
  if (match === null) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', ms = '0', zone] = match;
  let time = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s), Number(ms.padEnd(3, '0')));
  if (zone !== undefined && zone !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    time -= sign * (Number(zone.slice(1, 3)) * 60 + Number(zone.slice(4, 6))) * MINUTE;
  }
  return Number.isFinite(time) ? time : undefined;
}
