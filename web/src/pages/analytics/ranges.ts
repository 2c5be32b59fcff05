import type { ChartInterval, TimeRange } from '../../api/analytics';

/** The time ranges the Analytics page offers, each with the bucket size that charts it in tens of points, not thousands. */
export const RANGES = [
  { id: 'hour', label: 'Last hour', span: 3_600_000, interval: 'minute' },
  { id: 'day', label: 'Last 24 hours', span: 86_400_000, interval: 'hour' },
  { id: 'week', label: 'Last 7 days', span: 7 * 86_400_000, interval: 'day' },
  { id: 'month', label: 'Last 30 days', span: 30 * 86_400_000, interval: 'day' },
] as const satisfies readonly { id: string; label: string; span: number; interval: ChartInterval }[];

export type RangeId = (typeof RANGES)[number]['id'];

export const rangeOf = (id: RangeId) => RANGES.find((range) => range.id === id) ?? RANGES[1];

/** The range ending now: the server's buckets are those `start` and `end` fall in, the last one the current bucket. */
export const rangeEndingNow = (span: number, now = Date.now()): TimeRange => ({ start: now - span, end: now });
