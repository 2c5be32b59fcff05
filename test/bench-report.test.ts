import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import { type BenchReport, ceilingDrift, renderReport } from '../bench/lib/report.js';
import type { LoadResult } from '../bench/lib/wrk.js';

// A saved full run (bench/RESULTS.json), its ceilings replaced by the runs each case needs.
const saved = JSON.parse(readFileSync(new URL('../bench/RESULTS.json', import.meta.url), 'utf8')) as BenchReport;
const template = saved.results.find((r) => r.id === 'ceiling')!;
const run = template.runs[0]!;

function withCeilings(start: number[], end: number[] | undefined): BenchReport {
  const runs = (values: number[]): LoadResult[] => values.map((rps) => ({ ...run, rps }));
  const others = saved.results.filter((r) => !r.id.startsWith('ceiling'));
  const ceilings = [{ ...template, runs: runs(start) }];
  if (end) ceilings.push({ ...template, id: 'ceiling-end', runs: runs(end) });
  return { ...saved, results: [...ceilings, ...others] };
}

it('measures the drift between the start and end medians of the ceiling', () => {
  expect(ceilingDrift(withCeilings([48_000, 67_000, 67_500], [41_600, 42_000, 38_800]))).toEqual({
    start: 67_000,
    end: 41_600,
    share: (67_000 - 41_600) / 67_000,
  });
  expect(ceilingDrift(withCeilings([50_000], undefined))).toBeUndefined();
});

it('says in the report when the ceiling moved more than 10%, and only states the figures when it did not', () => {
  const drifted = renderReport(withCeilings([67_000, 67_000, 67_000], [42_000, 42_000, 42_000]));
  expect(drifted).toContain(
    "**The ceiling's median was 67,000 req/s at the start and 42,000 at the end: the machine's speed moved by 37% during the run**",
  );
  const steady = renderReport(withCeilings([50_000, 50_000, 50_000], [47_000, 47_000, 47_000]));
  expect(steady).toContain("The ceiling's median was 50,000 req/s at the start and 47,000 at the end.");
  expect(steady).not.toContain('moved by');
});
