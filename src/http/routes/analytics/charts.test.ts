import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';

/**
 * analytics.getVerificationTimeseries, analytics.getTopKeys, analytics.getTopIdentities: events written straight to the
 * server's AnalyticsStore (which folds them into the rollups the endpoints read), then read through the routes.
 */

const t = useTestServer();
type Event = Parameters<typeof t.server.analytics.write>[0]['verifications'][number];

const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;
/** The harness clock's time: 2026-01-15 12:00 UTC. */
const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);

let sequence = 0;
function event(workspaceId: string, fields: Partial<Event> & { time: number }): Event {
  return {
    requestId: `req_chart_${++sequence}`,
    workspaceId,
    keySpaceId: '',
    keyId: '',
    identityId: '',
    externalId: '',
    outcome: 'VALID',
    tags: [],
    spentCredits: 0,
    latency: 1,
    region: 'test',
    ...fields,
  };
}

const write = (verifications: Event[]) => t.server.analytics.write({ verifications, ratelimits: [] });

/** A fresh workspace with two APIs, so every test reads only what it wrote. */
async function workspace() {
  const ws = await t.newWorkspace();
  const api = async (name: string) => {
    const res = await t.call('apis.createApi', { name }, { rootKey: ws.rootKey });
    if (res.status !== 200) throw new Error(JSON.stringify(res.body));
    return res.body.data.apiId as string;
  };
  return { ...ws, apiA: await api('api-a'), apiB: await api('api-b') };
}

const zero = {
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
  latencyAvg: 0,
};

const series = (body: unknown, rootKey: string) => t.call('analytics.getVerificationTimeseries', body, { rootKey });

describe('analytics.getVerificationTimeseries', () => {
  it('answers one point per minute across an hour boundary, exact counts, empty buckets as zeros', async () => {
    const ws = await workspace();
    const at = Date.UTC(2026, 0, 15, 10, 58, 0);
    await write([
      event(ws.workspaceId, { time: at + 10_000, keySpaceId: ws.apiA, keyId: 'key_1', spentCredits: 2, latency: 4 }),
      event(ws.workspaceId, { time: at + 50_000, keySpaceId: ws.apiA, keyId: 'key_1', outcome: 'RATE_LIMITED', latency: 2 }),
      event(ws.workspaceId, { time: at + 2 * MINUTE + 5_000, keySpaceId: ws.apiB, keyId: 'key_2', outcome: 'USAGE_EXCEEDED', latency: 3 }),
      // After `end`'s bucket: not in the series.
      event(ws.workspaceId, { time: at + 4 * MINUTE, keySpaceId: ws.apiA, keyId: 'key_1' }),
    ]);
    const res = await series({ start: at + 15_000, end: at + 3 * MINUTE + 59_999, interval: 'minute' }, ws.rootKey);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      interval: 'minute',
      points: [
        { ...zero, time: at, total: 2, valid: 1, rateLimited: 1, spentCredits: 2, latencyAvg: 3 },
        { ...zero, time: at + MINUTE },
        { ...zero, time: at + 2 * MINUTE, total: 1, usageExceeded: 1, latencyAvg: 3 },
        { ...zero, time: at + 3 * MINUTE },
      ],
    });
  });

  it('answers calendar months across a year boundary and days across a month boundary', async () => {
    const ws = await workspace();
    await write([
      event(ws.workspaceId, { time: Date.UTC(2025, 11, 31, 23, 59, 59), keySpaceId: ws.apiA, keyId: 'key_1', spentCredits: 1 }),
      event(ws.workspaceId, { time: Date.UTC(2026, 0, 1, 0, 0, 0), keySpaceId: ws.apiA, keyId: 'key_1', outcome: 'EXPIRED' }),
      event(ws.workspaceId, { time: Date.UTC(2026, 0, 1, 0, 0, 1), keySpaceId: ws.apiA, keyId: 'key_1', outcome: 'NOT_FOUND' }),
    ]);
    const months = await series({ start: Date.UTC(2025, 10, 20), end: NOW, interval: 'month' }, ws.rootKey);
    expect(months.status).toBe(200);
    expect(months.body.data.points).toEqual([
      { ...zero, time: Date.UTC(2025, 10, 1) },
      { ...zero, time: Date.UTC(2025, 11, 1), total: 1, valid: 1, spentCredits: 1, latencyAvg: 1 },
      { ...zero, time: Date.UTC(2026, 0, 1), total: 2, expired: 1, notFound: 1, latencyAvg: 1 },
    ]);
    const days = await series({ start: Date.UTC(2025, 11, 30, 12), end: Date.UTC(2026, 0, 1, 12), interval: 'day' }, ws.rootKey);
    expect(days.body.data.points.map((p: { time: number; total: number }) => [p.time, p.total])).toEqual([
      [Date.UTC(2025, 11, 30), 0],
      [Date.UTC(2025, 11, 31), 1],
      [Date.UTC(2026, 0, 1), 2],
    ]);
  });

  it('filters by API, key, identity, external id and every listed tag; another workspace is never counted', async () => {
    const ws = await workspace();
    const other = await workspace();
    const at = Date.UTC(2026, 0, 15, 9, 0, 0);
    await write([
      event(ws.workspaceId, { time: at, keySpaceId: ws.apiA, keyId: 'key_1', identityId: 'id_1', externalId: 'user_1', tags: ['a', 'b'] }),
      event(ws.workspaceId, { time: at + 1, keySpaceId: ws.apiA, keyId: 'key_2', tags: ['b'] }),
      event(ws.workspaceId, { time: at + 2, keySpaceId: ws.apiB, keyId: 'key_3', identityId: 'id_2', externalId: 'user_2', tags: ['a'] }),
      // Same API id and key, another workspace: never in this workspace's answers.
      event(other.workspaceId, {
        time: at + 3,
        keySpaceId: ws.apiA,
        keyId: 'key_1',
        identityId: 'id_1',
        externalId: 'user_1',
        tags: ['a', 'b'],
      }),
    ]);
    const total = async (filters: Record<string, unknown>) => {
      const res = await series({ start: at, end: at + HOUR - 1, interval: 'hour', ...filters }, ws.rootKey);
      expect(res.status).toBe(200);
      expect(res.body.data.points).toHaveLength(1);
      return res.body.data.points[0].total as number;
    };
    expect(await total({})).toBe(3);
    expect(await total({ apiId: ws.apiA })).toBe(2);
    expect(await total({ apiId: ws.apiB })).toBe(1);
    expect(await total({ keyId: 'key_1' })).toBe(1);
    expect(await total({ identityId: 'id_2' })).toBe(1);
    expect(await total({ externalId: 'user_1' })).toBe(1);
    expect(await total({ tags: ['a'] })).toBe(2);
    expect(await total({ tags: ['b'] })).toBe(2);
    expect(await total({ tags: ['a', 'b'] })).toBe(1);
    expect(await total({ tags: ['c'] })).toBe(0);
    expect(await total({ apiId: ws.apiB, tags: ['b'] })).toBe(0);
  });

  it('refuses an end before start, more than 1000 buckets, a start past the retention and unknown intervals', async () => {
    const ws = await workspace();
    const bad = async (body: Record<string, unknown>, detail: RegExp, type = 'invalid_input') => {
      const res = await series(body, ws.rootKey);
      expect(res.status).toBe(400);
      expect(res.body.error.type).toContain(type);
      // The detail, or for a schema failure the problem's location, names what is wrong.
      expect(`${res.body.error.detail} ${JSON.stringify(res.body.error.errors)}`).toMatch(detail);
    };
    await bad({ start: NOW, end: NOW - 1, interval: 'hour' }, /`end` must not be before `start`/);
    await bad({ start: NOW - 1000 * MINUTE, end: NOW, interval: 'minute' }, /more than 1000 minute buckets/);
    await bad(
      { start: NOW - 31 * DAY, end: NOW - 31 * DAY + HOUR, interval: 'minute' },
      /minute rollup keeps 30 days/,
      'query_range_exceeds_retention',
    );
    await bad(
      { start: NOW - 91 * DAY, end: NOW - 91 * DAY + DAY, interval: 'hour' },
      /hour rollup keeps 90 days/,
      'query_range_exceeds_retention',
    );
    await bad({ start: NOW, end: NOW, interval: 'week' }, /interval/);
    await bad({ start: NOW, end: NOW, interval: 'hour', tags: [] }, /tags/);
    await bad({ start: NOW, end: NOW, interval: 'hour', workspaceId: ws.workspaceId }, /workspaceId|additional/);
    // 1000 buckets exactly is fine.
    expect((await series({ start: NOW - 999 * MINUTE, end: NOW, interval: 'minute' }, ws.rootKey)).body.data.points).toHaveLength(1000);
  });
});

describe('analytics.getTopKeys and analytics.getTopIdentities', () => {
  it('orders keys by verifications (ties by id), counts each outcome and honours the limit', async () => {
    const ws = await workspace();
    const at = NOW - 3 * HOUR;
    const events = [
      ...Array.from({ length: 3 }, () => event(ws.workspaceId, { time: at, keySpaceId: ws.apiA, keyId: 'key_b', spentCredits: 2 })),
      event(ws.workspaceId, { time: at, keySpaceId: ws.apiA, keyId: 'key_b', outcome: 'RATE_LIMITED' }),
      event(ws.workspaceId, { time: at + HOUR, keySpaceId: ws.apiB, keyId: 'key_c', outcome: 'DISABLED' }),
      event(ws.workspaceId, { time: at + HOUR, keySpaceId: ws.apiB, keyId: 'key_c' }),
      event(ws.workspaceId, { time: at, keySpaceId: ws.apiA, keyId: 'key_a', identityId: 'id_1', externalId: 'user_1' }),
      event(ws.workspaceId, { time: at, keySpaceId: ws.apiA, keyId: 'key_a', identityId: 'id_1', externalId: 'user_1' }),
      // An unknown key: never a "top key".
      ...Array.from({ length: 9 }, () => event(ws.workspaceId, { time: at, outcome: 'NOT_FOUND' })),
    ];
    await write(events);
    const body = { start: at, end: NOW };
    const res = await t.call('analytics.getTopKeys', body, { rootKey: ws.rootKey });
    expect(res.status).toBe(200);
    const counts = { ...zero } as Record<string, number>;
    delete counts.latencyAvg;
    expect(res.body.data.keys).toEqual([
      { ...counts, keyId: 'key_b', apiId: ws.apiA, total: 4, valid: 3, rateLimited: 1, spentCredits: 6 },
      { ...counts, keyId: 'key_a', apiId: ws.apiA, total: 2, valid: 2 },
      { ...counts, keyId: 'key_c', apiId: ws.apiB, total: 2, valid: 1, disabled: 1 },
    ]);
    const limited = await t.call('analytics.getTopKeys', { ...body, limit: 2 }, { rootKey: ws.rootKey });
    expect(limited.body.data.keys.map((k: { keyId: string }) => k.keyId)).toEqual(['key_b', 'key_a']);
    const onlyB = await t.call('analytics.getTopKeys', { ...body, apiId: ws.apiB }, { rootKey: ws.rootKey });
    expect(onlyB.body.data.keys.map((k: { keyId: string }) => k.keyId)).toEqual(['key_c']);
    const identities = await t.call('analytics.getTopIdentities', body, { rootKey: ws.rootKey });
    expect(identities.status).toBe(200);
    expect(identities.body.data.identities).toEqual([{ ...counts, identityId: 'id_1', externalId: 'user_1', total: 2, valid: 2 }]);
    for (const limit of [0, 101]) {
      const refused = await t.call('analytics.getTopKeys', { ...body, limit }, { rootKey: ws.rootKey });
      expect(refused.status).toBe(400);
    }
  });

  it('reads the day rollup for ranges of two days or more, filtered by tag', async () => {
    const ws = await workspace();
    await write([
      event(ws.workspaceId, { time: NOW - 5 * DAY, keySpaceId: ws.apiA, keyId: 'key_old', tags: ['x'] }),
      event(ws.workspaceId, { time: NOW - 5 * DAY, keySpaceId: ws.apiA, keyId: 'key_old', tags: ['x'] }),
      event(ws.workspaceId, { time: NOW - HOUR, keySpaceId: ws.apiA, keyId: 'key_new', tags: ['y'] }),
    ]);
    const top = async (body: Record<string, unknown>) =>
      (await t.call('analytics.getTopKeys', body, { rootKey: ws.rootKey })).body.data.keys.map((k: { keyId: string; total: number }) => [
        k.keyId,
        k.total,
      ]);
    expect(await top({ start: NOW - 6 * DAY, end: NOW })).toEqual([
      ['key_old', 2],
      ['key_new', 1],
    ]);
    expect(await top({ start: NOW - 6 * DAY, end: NOW, tags: ['y'] })).toEqual([['key_new', 1]]);
    expect(await top({ start: NOW - 2 * HOUR, end: NOW })).toEqual([['key_new', 1]]);
  });
});

describe('permissions', () => {
  it('wildcard reads every API; per-API reads only its APIs; none is 403; another workspace or an unreadable API is 404', async () => {
    const ws = await workspace();
    const other = await workspace();
    const at = NOW - HOUR;
    await write([
      event(ws.workspaceId, { time: at, keySpaceId: ws.apiA, keyId: 'key_1' }),
      event(ws.workspaceId, { time: at, keySpaceId: ws.apiB, keyId: 'key_2' }),
      event(ws.workspaceId, { time: at, keySpaceId: ws.apiB, keyId: 'key_2' }),
    ]);
    const body = { start: at, end: NOW, interval: 'day' };
    const total = (res: { body: any }) => res.body.data.points.reduce((sum: number, p: { total: number }) => sum + p.total, 0);

    const wildcard = await t.rootKeyWith(['api.*.read_analytics'], ws.workspaceId);
    expect(total(await series(body, wildcard))).toBe(3);

    const onlyA = await t.rootKeyWith([`api.${ws.apiA}.read_analytics`], ws.workspaceId);
    expect(total(await series(body, onlyA))).toBe(1);
    expect(total(await series({ ...body, apiId: ws.apiA }, onlyA))).toBe(1);
    const topA = await t.call('analytics.getTopKeys', { start: at, end: NOW }, { rootKey: onlyA });
    expect(topA.body.data.keys.map((k: { keyId: string }) => k.keyId)).toEqual(['key_1']);
    const hiddenB = await series({ ...body, apiId: ws.apiB }, onlyA);
    expect(hiddenB.status).toBe(404);
    expect(hiddenB.body.error.type).toContain('api_not_found');

    const none = await t.rootKeyWith(['api.*.read_api', 'api.*.read_key'], ws.workspaceId);
    for (const [operation, request] of [
      ['analytics.getVerificationTimeseries', body],
      ['analytics.getTopKeys', { start: at, end: NOW }],
      ['analytics.getTopIdentities', { start: at, end: NOW }],
    ] as const) {
      const res = await t.call(operation, request, { rootKey: none });
      expect(res.status).toBe(403);
      expect(res.body.error.detail).toContain('read_analytics');
    }

    // Another workspace's API, even with the wildcard: not found, and nothing of it is read.
    const foreign = await series({ ...body, apiId: other.apiA }, wildcard);
    expect(foreign.status).toBe(404);
    const foreignTop = await t.call('analytics.getTopKeys', { start: at, end: NOW, apiId: ws.apiA }, { rootKey: other.rootKey });
    expect(foreignTop.status).toBe(404);
  });
});
