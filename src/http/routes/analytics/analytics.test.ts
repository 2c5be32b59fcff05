import { Unkey } from '@unkey/api';
import { ForbiddenErrorResponse, ServiceUnavailableErrorResponse } from '@unkey/api/models/errors';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeKnownEvents } from '../../../../test/analytics-query-rows.js';
import { startTestServer, type EngineName, type TestServer } from '../../../../test/harness.js';

/**
 * analytics.getVerifications and analytics.getRatelimits end to end: permissions, upstream's error types, the query
 * rate, analytics off, and the real @unkey/api client, over known events written into the server's own analytics store
 * (test/analytics-query-rows.ts).
 */

const engine: EngineName = process.env.KEYWARD_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';
const TYPE = 'https://unkey.com/docs/errors/';

describe(`analytics routes (${engine})`, () => {
  let t: TestServer;
  let other: { workspaceId: string; rootKey: string };

  beforeAll(async () => {
    t = await startTestServer({ engine });
    other = await t.newWorkspace();
    await writeKnownEvents(t.server.analytics, { a: t.workspaceId, b: other.workspaceId });
  });
  afterAll(async () => {
    await t.close();
  });

  const byOutcome = "SELECT outcome, count(*) AS total FROM key_verifications_v1 WHERE key_id = 'key_1' GROUP BY outcome ORDER BY outcome";

  it("answers the caller's rows only, in upstream's envelope", async () => {
    const res = await t.call('analytics.getVerifications', { query: byOutcome });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual([
      { outcome: 'RATE_LIMITED', total: 1 },
      { outcome: 'VALID', total: 3 },
    ]);
    const theirs = await t.call('analytics.getVerifications', { query: byOutcome }, { rootKey: other.rootKey });
    expect(theirs.body.data).toEqual([{ outcome: 'VALID', total: 1 }]);
  });

  it('works through the @unkey/api client, for verifications and rate limits', async () => {
    const unkey = new Unkey({ rootKey: t.rootKey, serverURL: await t.listen(), retryConfig: { strategy: 'none' } });
    const verifications = await unkey.analytics.getVerifications({
      query:
        'SELECT key_id, SUM(count) AS total, groupUniqArray(outcome) AS outcomes FROM key_verifications_per_day_v1 ' +
        'WHERE time >= now() - INTERVAL 30 DAY GROUP BY key_id ORDER BY total DESC',
    });
    expect(verifications.data).toEqual([
      { key_id: 'key_1', total: 4, outcomes: expect.arrayContaining(['VALID', 'RATE_LIMITED']) },
      { key_id: 'key_2', total: 3, outcomes: expect.arrayContaining(['VALID', 'USAGE_EXCEEDED']) },
    ]);
    const ratelimits = await unkey.analytics.getRatelimits({
      query: 'SELECT passed, count(*) AS n FROM ratelimits_v1 GROUP BY passed ORDER BY passed',
    });
    expect(ratelimits.data).toEqual([
      { passed: 0, n: 1 },
      { passed: 1, n: 2 },
    ]);

    const reader = await t.rootKeyWith(['api.*.read_key']);
    const refused = new Unkey({ rootKey: reader, serverURL: await t.listen(), retryConfig: { strategy: 'none' } });
    await expect(refused.analytics.getVerifications({ query: byOutcome })).rejects.toBeInstanceOf(ForbiddenErrorResponse);
  });

  it('needs read_analytics; a per-API or per-namespace permission reads only those', async () => {
    const none = await t.call('analytics.getVerifications', { query: byOutcome }, { rootKey: await t.rootKeyWith(['api.*.read_key']) });
    expect(none.status).toBe(403);
    expect(none.body.error).toMatchObject({
      type: `${TYPE}unkey/authorization/insufficient_permissions`,
      detail: "Missing permission: 'api.*.read_analytics'",
    });
    const wrongKind = await t.call(
      'analytics.getRatelimits',
      { query: 'SELECT count(*) AS n FROM ratelimits_v1' },
      { rootKey: await t.rootKeyWith(['api.*.read_analytics']) },
    );
    expect(wrongKind.status).toBe(403);

    const perApi = await t.call(
      'analytics.getVerifications',
      { query: 'SELECT key_space_id, count(*) AS n FROM key_verifications_v1 GROUP BY key_space_id' },
      { rootKey: await t.rootKeyWith(['api.api_2.read_analytics']) },
    );
    expect(perApi.body.data).toEqual([{ key_space_id: 'api_2', n: 3 }]);
    const perNamespace = await t.call(
      'analytics.getRatelimits',
      { query: 'SELECT namespace_id, count(*) AS n FROM ratelimits_v1 GROUP BY namespace_id' },
      { rootKey: await t.rootKeyWith(['ratelimit.rlns_1.read_analytics']) },
    );
    expect(perNamespace.body.data).toEqual([{ namespace_id: 'rlns_1', n: 2 }]);
  });

  it.each([
    ['SELECT * FROM root_keys', 'invalid_analytics_table'],
    ['DELETE FROM key_verifications_v1', 'invalid_analytics_query_type'],
    ['SELECT 1; SELECT 2', 'invalid_analytics_query'],
    ['SELECT pg_sleep(5) FROM key_verifications_v1', 'invalid_analytics_function'],
    ['SELECT count(*) FROM key_verifications_v1 WHERE time >= now() - INTERVAL 90 DAY', 'query_range_exceeds_retention'],
  ])('refuses %s with upstream type %s (400, errors: [])', async (query, type) => {
    const res = await t.call('analytics.getVerifications', { query });
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({ status: 400, title: 'Bad Request', type: `${TYPE}user/bad_request/${type}`, errors: [] });
  });

  it("answers 400 when the engine refuses what the translation let through, in the engine's words", async () => {
    const res = await t.call('analytics.getVerifications', { query: 'SELECT count(*) AS n FROM key_verifications_v1 WHERE key_id = 5' });
    if (engine === 'postgres') {
      // PostgreSQL compares no text with a number.
      expect(res.status).toBe(400);
      expect(res.body.error.type).toBe(`${TYPE}user/bad_request/invalid_analytics_query`);
      expect(res.body.error.detail).toMatch(/^The query could not be run: /);
    } else {
      expect(res.body.data).toEqual([{ n: 0 }]);
    }
  });

  it('answers 422 when the rows would make an answer over 4 MiB, as upstream', async () => {
    // 4,097 rows of a 1 KiB string each: the query is cheap, the answer is not.
    const res = await t.call('analytics.getVerifications', {
      query:
        'SELECT concat(a.request_id, b.request_id, c.request_id, d.request_id, e.request_id, substring(concat(' +
        `'${'x'.repeat(1024)}'), 1, 1024)) AS s FROM key_verifications_v1 a, key_verifications_v1 b, key_verifications_v1 c, ` +
        'key_verifications_v1 d, key_verifications_v1 e',
    });
    expect(res.status).toBe(422);
    expect(res.body.error).toMatchObject({ status: 422, detail: 'Query result exceeds the maximum response size.' });
  });

  it('validates the body as upstream: a query is required and nothing else is accepted', async () => {
    for (const body of [{}, { query: '' }, { query: 'SELECT 1', extra: true }, { query: 'x'.repeat(16 * 1024 + 1) }]) {
      const res = await t.call('analytics.getVerifications', body);
      expect(res.status).toBe(400);
      expect(res.body.error.type).toBe(`${TYPE}unkey/application/invalid_input`);
    }
  });

  it('answers 422 when a query runs past its time limit', async () => {
    const slow = await startTestServer({ engine, env: { KEYWARD_ANALYTICS_QUERY_TIMEOUT_MS: '50' } });
    try {
      await writeKnownEvents(slow.server.analytics, { a: slow.workspaceId, b: other.workspaceId });
      const tables = Array.from({ length: 9 }, (_, i) => `key_verifications_v1 AS t${i}`).join(', ');
      const res = await slow.call('analytics.getVerifications', { query: `SELECT count(*) AS n FROM ${tables}` });
      expect(res.status).toBe(422);
      expect(res.body.error.type).toBe(`${TYPE}user/unprocessable_entity/query_execution_timeout`);
    } finally {
      await slow.close();
    }
  });

  // Last: it moves the server's clock.
  it('counts queries per workspace per minute (60 by default): past the limit 429 with Retry-After', async () => {
    const busy = await t.newWorkspace();
    const query = { query: 'SELECT count(*) AS n FROM key_verifications_v1' };
    for (let i = 0; i < 30; i += 1) {
      expect((await t.call('analytics.getVerifications', query, { rootKey: busy.rootKey })).status).toBe(200);
      expect(
        (await t.call('analytics.getRatelimits', { query: 'SELECT count(*) AS n FROM ratelimits_v1' }, { rootKey: busy.rootKey })).status,
      ).toBe(200);
    }
    const limited = await t.call('analytics.getVerifications', query, { rootKey: busy.rootKey });
    expect(limited.status).toBe(429);
    expect(limited.body.error.type).toBe(`${TYPE}user/too_many_requests/query_quota_exceeded`);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another workspace has its own allowance.
    expect((await t.call('analytics.getVerifications', query)).status).toBe(200);
    t.clock.advance(120_000);
    expect((await t.call('analytics.getVerifications', query, { rootKey: busy.rootKey })).status).toBe(200);
  });
});

describe(`analytics off (${engine})`, () => {
  it('answers 503 when analytics is off, which the client types', async () => {
    const t = await startTestServer({ engine, env: { KEYWARD_ANALYTICS: 'off' } });
    try {
      const res = await t.call('analytics.getVerifications', { query: 'SELECT count(*) FROM key_verifications_v1' });
      expect(res.status).toBe(503);
      expect(res.body.error.type).toBe(`${TYPE}unkey/data/analytics_connection_failed`);
      const unkey = new Unkey({ rootKey: t.rootKey, serverURL: await t.listen(), retryConfig: { strategy: 'none' } });
      await expect(unkey.analytics.getVerifications({ query: 'SELECT 1' })).rejects.toBeInstanceOf(ServiceUnavailableErrorResponse);
      // Without the permission the answer is still 403: nothing is told about the server to a caller who may not read.
      const reader = await t.rootKeyWith(['api.*.read_key']);
      expect((await t.call('analytics.getRatelimits', { query: 'SELECT 1' }, { rootKey: reader })).status).toBe(403);
    } finally {
      await t.close();
    }
  });
});
