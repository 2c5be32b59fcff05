import { retentionOf } from '../src/analytics/open.js';
import { bucketStart, canonicalTags, DAY_MS } from '../src/analytics/schema.js';
import { SETTINGS } from '../src/settings.js';
import type { AnalyticsBatch } from '../src/analytics/events.js';
import type { AnalyticsRetention, AnalyticsStore } from '../src/analytics/store.js';

/**
 * Known analytics events for two workspaces (ws_a, the caller in most tests, and ws_b, whose events must never be
 * seen), shared by the translator tests and the analytics route tests. NOW is the harness's TestClock start.
 */

export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
export const HOUR = 3_600_000;
export const DAY = DAY_MS;
export const TODAY = bucketStart(NOW, 'day');

/** What Keyward keeps by default (the KEYWARD_ANALYTICS_*_RETENTION_DAYS defaults). */
export const RETENTION: AnalyticsRetention = retentionOf({
  analyticsRetentionDays: {
    raw: SETTINGS.KEYWARD_ANALYTICS_RETENTION_DAYS.default,
    minute: SETTINGS.KEYWARD_ANALYTICS_MINUTE_RETENTION_DAYS.default,
    hour: SETTINGS.KEYWARD_ANALYTICS_HOUR_RETENTION_DAYS.default,
    day: SETTINGS.KEYWARD_ANALYTICS_DAY_RETENTION_DAYS.default,
    month: SETTINGS.KEYWARD_ANALYTICS_MONTH_RETENTION_DAYS.default,
  },
});

let requests = 0;
const raw = (
  workspace: string,
  api: string,
  key: string,
  identity: string,
  outcome: string,
  tags: string[],
  ago: number,
  latency = 1,
): Record<string, unknown> => ({
  request_id: `req_${++requests}`,
  time: NOW - ago,
  workspace_id: workspace,
  key_space_id: api,
  identity_id: identity ? `id_${identity}` : '',
  external_id: identity,
  key_id: key,
  region: 'node-1',
  outcome,
  tags: canonicalTags(tags),
  spent_credits: outcome === 'VALID' ? 1 : 0,
  latency,
});

export const RAW_VERIFICATIONS = [
  raw('ws_a', 'api_1', 'key_1', 'user_1', 'VALID', ['path=/v1', 'region=eu'], HOUR, 2),
  raw('ws_a', 'api_1', 'key_1', 'user_1', 'VALID', ['region=eu', 'path=/v1'], 2 * HOUR, 4),
  raw('ws_a', 'api_1', 'key_1', 'user_1', 'VALID', ['path=/v2'], DAY, 6),
  raw('ws_a', 'api_1', 'key_1', 'user_1', 'RATE_LIMITED', [], 3 * HOUR, 1),
  raw('ws_a', 'api_2', 'key_2', 'user_2', 'VALID', ['path=/v1'], 5 * HOUR, 3),
  raw('ws_a', 'api_2', 'key_2', 'user_2', 'VALID', [], 2 * DAY),
  raw('ws_a', 'api_2', 'key_2', 'user_2', 'USAGE_EXCEEDED', [], 2 * DAY),
  // Older than raw retention: outside every query's window.
  raw('ws_a', 'api_1', 'key_1', 'user_1', 'VALID', [], 40 * DAY),
  // Older than the day rollup's retention (730 days): only the month rollup, kept forever, may count it.
  raw('ws_a', 'api_1', 'key_1', 'user_1', 'VALID', [], 800 * DAY),
  ...Array.from({ length: 5 }, () => raw('ws_b', 'api_b', 'key_b', 'user_b', 'VALID', ['path=/v1'], HOUR)),
  // Another workspace using the same ids: filtering by id alone must not reach it.
  raw('ws_b', 'api_1', 'key_1', 'user_1', 'VALID', ['path=/v1', 'region=eu'], HOUR),
];

const limit = (workspace: string, namespace: string, identifier: string, passed: boolean, ago: number, latency = 1) => ({
  request_id: `req_${++requests}`,
  time: NOW - ago,
  workspace_id: workspace,
  namespace_id: namespace,
  identifier,
  passed: passed ? 1 : 0,
  latency,
  override_id: '',
  region: 'node-1',
});

export const RAW_RATELIMITS = [
  limit('ws_a', 'rlns_1', 'user_1', true, HOUR),
  limit('ws_a', 'rlns_1', 'user_1', true, HOUR),
  limit('ws_a', 'rlns_2', 'user_1', false, HOUR, 4),
  limit('ws_b', 'rlns_1', 'user_1', true, HOUR),
  limit('ws_b', 'rlns_b', 'user_b', true, HOUR),
];

/**
 * The rows above as events written through a real AnalyticsStore, which folds them into its rollups: what the
 * translator's tests and the route tests read.
 */
export async function writeKnownEvents(store: Pick<AnalyticsStore, 'write'>, workspaces: { a: string; b: string }): Promise<void> {
  const workspace = (row: Record<string, unknown>) => (row.workspace_id === 'ws_a' ? workspaces.a : workspaces.b);
  const batch: AnalyticsBatch = {
    verifications: RAW_VERIFICATIONS.map((row) => ({
      time: row.time as number,
      requestId: row.request_id as string,
      workspaceId: workspace(row),
      keySpaceId: row.key_space_id as string,
      keyId: row.key_id as string,
      identityId: row.identity_id as string,
      externalId: row.external_id as string,
      outcome: row.outcome as string,
      tags: JSON.parse(row.tags as string) as string[],
      spentCredits: row.spent_credits as number,
      latency: row.latency as number,
      region: row.region as string,
    })),
    ratelimits: RAW_RATELIMITS.map((row) => ({
      time: row.time,
      requestId: row.request_id,
      workspaceId: workspace(row),
      namespaceId: row.namespace_id,
      identifier: row.identifier,
      passed: row.passed === 1,
      latency: row.latency,
      overrideId: row.override_id,
      region: row.region,
    })),
  };
  await store.write(batch);
}
