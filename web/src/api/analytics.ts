import { call } from './client';

/**
 * The Keyward-only chart reads (analytics.getVerificationTimeseries, analytics.getTopKeys, analytics.getTopIdentities),
 * as the Analytics page and a key's Usage section use them (shapes from src/contract/analytics-charts.ts).
 */

/** The verify outcomes a chart counts, by the field each has in the answers (`RATE_LIMITED` is `rateLimited`). */
export const OUTCOMES = [
  'valid',
  'rateLimited',
  'usageExceeded',
  'disabled',
  'expired',
  'forbidden',
  'insufficientPermissions',
  'notFound',
] as const;
export type Outcome = (typeof OUTCOMES)[number];

export type OutcomeCounts = Record<Outcome | 'total' | 'spentCredits', number>;

export type ChartInterval = 'minute' | 'hour' | 'day' | 'month';

export interface VerificationPoint extends OutcomeCounts {
  /** UTC start of the bucket (Unix ms). */
  time: number;
  latencyAvg: number;
}

export interface TopKey extends OutcomeCounts {
  keyId: string;
  apiId: string;
}

export interface TopIdentity extends OutcomeCounts {
  identityId: string;
  externalId: string;
}

export interface TimeRange {
  start: number;
  end: number;
}

/** What narrows the series: every filter given must hold. */
export interface SeriesFilter {
  apiId?: string;
  keyId?: string;
  externalId?: string;
  tags?: string[];
}

/** What narrows the top lists (the operations take no key or identity filter). */
export type TopFilter = Pick<SeriesFilter, 'apiId' | 'tags'>;

export const analytics = {
  timeseries: async (range: TimeRange, interval: ChartInterval, filter: SeriesFilter) =>
    (
      await call<{ interval: ChartInterval; points: VerificationPoint[] }>('analytics.getVerificationTimeseries', {
        ...range,
        interval,
        ...filter,
      })
    ).points,
  topKeys: async (range: TimeRange, filter: TopFilter) =>
    (await call<{ keys: TopKey[] }>('analytics.getTopKeys', { ...range, ...filter })).keys,
  topIdentities: async (range: TimeRange, filter: TopFilter) =>
    (await call<{ identities: TopIdentity[] }>('analytics.getTopIdentities', { ...range, ...filter })).identities,
};
