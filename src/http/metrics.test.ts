import { expect, it } from 'vitest';
import { useTestServer } from '../../test/per-file-server.js';
import { createMetrics } from './metrics.js';

const t = useTestServer();

const scrape = async () => {
  const res = await t.server.app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  return res.body;
};

it('counts verification outcomes and request latencies per operation, with no tenant data or secret in any label', async () => {
  const api = await t.call('apis.createApi', { name: 'metrics api' });
  const created = await t.call('keys.createKey', { apiId: api.body.data.apiId, prefix: 'sk' });
  const key: string = created.body.data.key;
  for (let i = 0; i < 3; i++) expect((await t.call('keys.verifyKey', { key })).body.data.code).toBe('VALID');
  await t.call('keys.verifyKey', { key: 'sk_not_a_real_key_000000000' });
  await t.call('keys.updateKey', { keyId: created.body.data.keyId, enabled: false });
  await t.call('keys.verifyKey', { key });

  const text = await scrape();
  expect(text).toMatch(/keyward_verifications_total\{code="VALID"\} 3\b/);
  expect(text).toMatch(/keyward_verifications_total\{code="NOT_FOUND"\} 1\b/);
  expect(text).toMatch(/keyward_verifications_total\{code="DISABLED"\} 1\b/);
  expect(text).toMatch(/keyward_http_request_duration_seconds_count\{operation="\/v2\/keys.verifyKey",status="200"\} 5\b/);
  for (const cache of ['key', 'root_key', 'ratelimit_namespace'])
    expect(text).toMatch(new RegExp(`keyward_cache_entries\\{cache="${cache}"\\} \\d+`));
  expect(text).toMatch(/keyward_process_cpu_seconds_total/);
  for (const secret of [key, t.rootKey, t.workspaceId, created.body.data.keyId, api.body.data.apiId]) expect(text).not.toContain(secret);
});

it('counts analytics events by kind and result, every series from 0, and reports the analytics buffer only when there is one', async () => {
  let buffered = 7;
  const metrics = createMetrics({}, { analyticsBuffer: () => buffered });
  const before = await metrics.registry.metrics();
  for (const kind of ['verification', 'ratelimit']) {
    for (const result of ['written', 'dropped', 'failed']) {
      expect(before).toContain(`keyward_analytics_events_total{kind="${kind}",result="${result}"} 0\n`);
    }
  }
  expect(before).toContain('keyward_analytics_buffer_events 7\n');
  metrics.analyticsEvents('verification', 'written', 5000);
  metrics.analyticsEvents('ratelimit', 'failed', 3);
  metrics.analyticsEvents('ratelimit', 'failed', 2);
  metrics.analyticsEvents('verification', 'dropped', 1);
  buffered = 0;
  const after = await metrics.registry.metrics();
  expect(after).toContain('keyward_analytics_events_total{kind="verification",result="written"} 5000\n');
  expect(after).toContain('keyward_analytics_events_total{kind="ratelimit",result="failed"} 5\n');
  expect(after).toContain('keyward_analytics_events_total{kind="verification",result="dropped"} 1\n');
  expect(after).toContain('keyward_analytics_events_total{kind="ratelimit",result="written"} 0\n');
  expect(after).toContain('keyward_analytics_buffer_events 0\n');
  expect(await createMetrics({}).registry.metrics()).not.toContain('keyward_analytics_buffer_events');
});

it('observes each analytics batch write in keyward_analytics_flush_seconds by result', async () => {
  const metrics = createMetrics({});
  metrics.analyticsFlush('success', 0.003);
  metrics.analyticsFlush('success', 0.2);
  metrics.analyticsFlush('failure', 5);
  const text = await metrics.registry.metrics();
  expect(text).toContain('keyward_analytics_flush_seconds_count{result="success"} 2\n');
  expect(text).toContain('keyward_analytics_flush_seconds_sum{result="success"} 0.203\n');
  expect(text).toContain('keyward_analytics_flush_seconds_bucket{le="0.005",result="success"} 1\n');
  expect(text).toContain('keyward_analytics_flush_seconds_bucket{le="0.25",result="success"} 2\n');
  expect(text).toContain('keyward_analytics_flush_seconds_count{result="failure"} 1\n');
  expect(text).toContain('keyward_analytics_flush_seconds_bucket{le="2.5",result="failure"} 0\n');
  expect(text).toContain('keyward_analytics_flush_seconds_sum{result="failure"} 5\n');
});
