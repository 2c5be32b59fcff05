import { describe, expect, it } from 'vitest';
import { missingTools, parseArgs, ROOT, runBench } from '../bench/run.js';
// @ts-expect-error: a plain .mjs build tool (it runs before TypeScript is compiled), without type declarations.
import { BUILD_STEPS, buildIfChanged } from '../tools/build-if-changed.mjs';

/**
 * Keeps `npm run bench -- --quick` from rotting without putting load on CI: `--smoke` prepares every database and
 * server of the quick mode (SQLite and PostgreSQL with Redis, bulk keys, special keys, the better-auth peer), checks an
 * answer of every scenario, and runs wrk for one second against two of them, through the same code as the real runs.
 * Skipped only when wrk is missing (.ci/run installs it). The servers run from dist/, built first if its sources
 * changed (nothing to do after CI's build): through tsx each of the dozen server starts compiled the sources again.
 */
const missing = missingTools();
const title =
  missing.length === 0
    ? 'npm run bench -- --smoke'
    : `npm run bench -- --smoke (SKIPPED: ${missing.join(', ')} not installed; apt-get install -y ${missing.join(' ')})`;

describe.skipIf(missing.length > 0)(title, () => {
  // About 130 s on a quiet machine; CI beside other work took over 240 s.
  it('sets up and checks every quick scenario and measures the ceiling, a cached verification (one and two workers) and the flood', {
    timeout: 480_000,
  }, async () => {
    const lines: string[] = [];
    buildIfChanged(ROOT, BUILD_STEPS);
    const { report, markdown } = await runBench(parseArgs(['--smoke'], (line) => lines.push(line)));

    const ids = report.results.map((r) => r.id);
    expect(ids).toEqual([
      'ceiling',
      'sqlite-1k-verify-cached',
      'sqlite-1k-verify-cached-analytics-off',
      'sqlite-1k-verify-cached-workers-2',
      'sqlite-1k-verify-credits',
      'sqlite-1k-verify-ratelimit',
      'sqlite-1k-verify-permission',
      'sqlite-1k-verify-cold',
      'sqlite-1k-verify-unknown-flood',
      'sqlite-1k-verify-sustained',
      'sqlite-1k-createKey',
      'sqlite-1k-ratelimit-limit',
      'sqlite-1k-listKeys',
      'postgres-1k-verify-cached',
      'postgres-1k-verify-cached-analytics-off',
      'postgres-1k-verify-cached-workers-2',
      'postgres-1k-verify-credits',
      'postgres-1k-verify-ratelimit',
      'postgres-1k-verify-cold',
      'postgres-1k-verify-unknown-flood',
      'postgres-1k-verify-sustained',
      'postgres-1k-createKey',
      'postgres-1k-ratelimit-limit',
      'postgres-1k-listKeys',
      'peer-verify',
    ]);
    for (const result of report.results) {
      // Each scenario's check request got the answer it expects (a valid key, a new key, a page...).
      expect(result.sample.length, result.id).toBeGreaterThan(0);
      expect(result.peakRssBytes, result.id).toBeGreaterThan(0);
    }
    for (const id of ['ceiling', 'sqlite-1k-verify-cached', 'sqlite-1k-verify-cached-workers-2', 'sqlite-1k-verify-unknown-flood']) {
      const [run] = report.results.find((r) => r.id === id)!.runs;
      expect(run, id).toBeDefined();
      expect(run!.requests, id).toBeGreaterThan(0);
      expect(run!.mismatches, `${id}: ${run!.sample}`).toBe(0);
      expect(run!.errors.connect + run!.errors.read + run!.errors.write + run!.errors.timeout, id).toBe(0);
    }
    // Issue 16: the flood's companion client verified valid keys beside it, every answer right.
    const flood = report.results.find((r) => r.id === 'sqlite-1k-verify-unknown-flood')!;
    const [beside] = flood.companion!.runs;
    expect(beside!.requests).toBeGreaterThan(0);
    expect(beside!.mismatches, beside!.sample).toBe(0);
    expect(markdown).toContain('valid keys verified during the flood');
    // Issue 14: the sustained load's events were all written (none dropped or failed), and the query latencies were
    // measured over stored events on both engines through analytics.getVerifications.
    const sustained = report.results.find((r) => r.id === 'sqlite-1k-verify-sustained')!.analytics;
    expect(sustained).toBeDefined();
    expect(sustained!.written).toBeGreaterThanOrEqual(sustained!.requests);
    expect(sustained!.requests).toBeGreaterThan(0);
    expect(sustained!.dropped + sustained!.failed).toBe(0);
    expect(report.analyticsQueries!.map((q) => [q.engine, q.events, q.queries.length])).toEqual([
      ['sqlite', 5_000, 2],
      ['postgres', 5_000, 2],
    ]);
    for (const q of report.analyticsQueries!.flatMap((x) => x.queries)) {
      expect(q.rows, q.label).toBeGreaterThan(0);
      expect(q.p50Ms, q.label).toBeGreaterThan(0);
    }
    expect(markdown).toContain('## Analytics (issue 14)');
    expect(markdown).toContain('## Targets (issue 6)');
    expect(markdown).toMatch(/\| bare node:http, fixed JSON answer.* \| 1\.00x \|/);
    expect(markdown).toContain('<!-- manual:start -->');
  });
});
