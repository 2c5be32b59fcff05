import { Histogram, Registry } from 'prom-client';
import { expect, it } from 'vitest';
import { RequestHistogram } from './request-histogram.js';

const BOUNDS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1];

it("writes the same text as prom-client's Histogram for the same observations", async () => {
  const ours = new Registry();
  const theirs = new Registry();
  const histogram = new RequestHistogram('t_seconds', 'help text', ['operation', 'status'], BOUNDS, ours);
  const reference = new Histogram({
    name: 't_seconds',
    help: 'help text',
    labelNames: ['operation', 'status'],
    buckets: BOUNDS,
    registers: [theirs],
  });
  // Values on the bounds themselves (a bound counts what equals it), between them, above all of them, and zero.
  const observations: [string, string, number][] = [
    ['/v2/keys.verifyKey', '200', 0.0005],
    ['/v2/keys.verifyKey', '200', 0.00051],
    ['/v2/keys.verifyKey', '200', 0],
    ['/v2/keys.verifyKey', '200', 1],
    ['/v2/keys.verifyKey', '200', 7.5],
    ['/v2/keys.verifyKey', '401', 0.003],
    ['/v2/ratelimit.limit', '200', 0.02],
    ['/v2/ratelimit.limit', '200', 0.02],
  ];
  for (const [operation, status, seconds] of observations) {
    histogram.labels(operation, status).observe(seconds);
    reference.labels(operation, status).observe(seconds);
  }
  const text = await ours.metrics();
  expect(text).toBe(await theirs.metrics());
  expect(text).toContain('t_seconds_bucket{le="0.0005",operation="/v2/keys.verifyKey",status="200"} 2');
  expect(text).toContain('t_seconds_count{operation="/v2/keys.verifyKey",status="200"} 5');
  expect(text).toContain('t_seconds_bucket{le="+Inf",operation="/v2/ratelimit.limit",status="200"} 2');
});

it('a series resolved twice is one series', async () => {
  const registry = new Registry();
  const histogram = new RequestHistogram('u_seconds', 'help', ['operation'], [1], registry);
  histogram.labels('a').observe(0.5);
  histogram.labels('a').observe(2);
  const text = await registry.metrics();
  expect(text).toContain('u_seconds_bucket{le="1",operation="a"} 1');
  expect(text).toContain('u_seconds_bucket{le="+Inf",operation="a"} 2');
  expect(text).toContain('u_seconds_sum{operation="a"} 2.5');
  histogram.reset();
  expect(await registry.metrics()).not.toContain('u_seconds_count');
});
