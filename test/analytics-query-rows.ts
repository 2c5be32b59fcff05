import { bucketStart, canonicalTags } from '../src/analytics/schema.js';
import type { AnalyticsBatch } from '../src/analytics/events.js';
import type { AnalyticsRetention, AnalyticsStore } from '../src/analytics/store.js';
import type { AnalyticsFixture } from './analytics-query-fixture.js';

/**
 * Known analytics rows for two workspaces (ws_a, the caller in most tests, and ws_b, whose rows must never be seen),
 * shared by the translator tests and the analytics route tests. NOW is the harness's TestClock start.
 */

export const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
export const HOUR = 3_600_000;
export const DAY = 86_400_000;
export const TODAY = bucketStart(NOW, 'day');

/** What Keyward keeps by default (the KEYWARD_ANALYTICS_*_RETENTION_DAYS defaults). */
export const RETENTION: AnalyticsRetention = { raw: 30 * DAY, minute: 30 * DAY, hour: 90 * DAY, day: 730 * DAY, month: 0 };

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
  ...Array.from({ length: 5 }, () => raw('ws_b', 'api_b', 'key_b', 'user_b', 'VALID', ['path=/v1'], HOUR)),
  // Another workspace using the same ids: filtering by id alone must not reach it.
  raw('ws_b', 'api_1', 'key_1', 'user_1', 'VALID', ['path=/v1', 'region=eu'], HOUR),
];

const day = (
  workspace: string,
  api: string,
  key: string,
  identity: string,
  outcome: string,
  tags: string[],
  daysAgo: number,
  count: number,
  latencySum: number,
): Record<string, unknown> => ({
  time: bucketStart(NOW - daysAgo * DAY, 'day'),
  workspace_id: workspace,
  key_space_id: api,
  identity_id: identity ? `id_${identity}` : '',
  external_id: identity,
  key_id: key,
  outcome,
  tags: canonicalTags(tags),
  count,
  spent_credits: outcome === 'VALID' ? count : 0,
  latency_sum: latencySum,
  latency_max: latencySum,
});

export const DAILY_VERIFICATIONS = [
  day('ws_a', 'api_1', 'key_1', 'user_1', 'VALID', ['path=/v1', 'region=eu'], 0, 2, 6),
  day('ws_a', 'api_1', 'key_1', 'user_1', 'RATE_LIMITED', [], 0, 1, 1),
  day('ws_a', 'api_1', 'key_1', 'user_1', 'VALID', ['path=/v2'], 1, 1, 6),
  day('ws_a', 'api_2', 'key_2', 'user_2', 'VALID', ['path=/v1'], 0, 1, 3),
  day('ws_a', 'api_2', 'key_2', 'user_2', 'VALID', [], 2, 1, 1),
  day('ws_a', 'api_2', 'key_2', 'user_2', 'USAGE_EXCEEDED', [], 2, 1, 1),
  // Older than the day table's retention.
  day('ws_a', 'api_1', 'key_1', 'user_1', 'VALID', [], 800, 100, 100),
  day('ws_b', 'api_b', 'key_b', 'user_b', 'VALID', ['path=/v1'], 0, 5, 5),
  day('ws_b', 'api_1', 'key_1', 'user_1', 'VALID', ['path=/v1', 'region=eu'], 0, 1, 1),
];

const limit = (workspace: string, namespace: string, identifier: string, passed: boolean, ago: number) => ({
  request_id: `req_${++requests}`,
  time: NOW - ago,
  workspace_id: workspace,
  namespace_id: namespace,
  identifier,
  passed: passed ? 1 : 0,
  latency: 1,
  override_id: '',
  region: 'node-1',
});

export const RAW_RATELIMITS = [
  limit('ws_a', 'rlns_1', 'user_1', true, HOUR),
  limit('ws_a', 'rlns_1', 'user_1', true, HOUR),
  limit('ws_a', 'rlns_2', 'user_1', false, HOUR),
  limit('ws_b', 'rlns_1', 'user_1', true, HOUR),
  limit('ws_b', 'rlns_b', 'user_b', true, HOUR),
];

export const HOURLY_RATELIMITS = [
  {
    time: bucketStart(NOW - HOUR, 'hour'),
    workspace_id: 'ws_a',
    namespace_id: 'rlns_1',
    identifier: 'user_1',
    passed: 2,
    total: 2,
    latency_sum: 2,
    latency_max: 1,
  },
  {
    time: bucketStart(NOW - HOUR, 'hour'),
    workspace_id: 'ws_a',
    namespace_id: 'rlns_2',
    identifier: 'user_1',
    passed: 0,
    total: 1,
    latency_sum: 4,
    latency_max: 4,
  },
  {
    time: bucketStart(NOW - HOUR, 'hour'),
    workspace_id: 'ws_b',
    namespace_id: 'rlns_1',
    identifier: 'user_1',
    passed: 1,
    total: 1,
    latency_sum: 1,
    latency_max: 1,
  },
];

export async function insertKnownRows(fixture: AnalyticsFixture, workspaces: { a: string; b: string } = { a: 'ws_a', b: 'ws_b' }) {
  const rename = (rows: Record<string, unknown>[]) =>
    rows.map((row) => ({ ...row, workspace_id: row.workspace_id === 'ws_a' ? workspaces.a : workspaces.b }));
  await fixture.insert('analytics_verifications', rename(RAW_VERIFICATIONS));
  await fixture.insert('analytics_verifications_per_day', rename(DAILY_VERIFICATIONS));
  await fixture.insert('analytics_ratelimits', rename(RAW_RATELIMITS));
  await fixture.insert('analytics_ratelimits_per_hour', rename(HOURLY_RATELIMITS));
}

/**
 * The raw rows above as events written through a real AnalyticsStore, which folds them into its rollups: what the
 * route tests read. (The hand-written rollup rows above are for the translator's tests, on the fixture.)
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
