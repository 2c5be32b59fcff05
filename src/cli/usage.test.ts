import { afterEach, describe, expect, it, vi } from 'vitest';
import type { TimeseriesPoint } from '../services/analytics-charts.js';
import { runCli } from './index.js';
import { chart } from './usage.js';

/** `keyward usage`'s command-line refusals (before any store is opened) and its chart's width; the rest: test/usage-cli.test.ts. */

async function cli(...argv: string[]) {
  const err: string[] = [];
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  try {
    return { code: await runCli(argv), stderr: err.join('') };
  } finally {
    vi.restoreAllMocks();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('keyward usage', () => {
  it('exits 2 without a workspace, with not exactly one subject, or a malformed --since or --interval', async () => {
    const cases: [string[], string][] = [
      [['--api', 'api_1'], 'usage needs --workspace'],
      [['--workspace', 'ws_1'], 'exactly one of --api, --key and --identity'],
      [['--workspace', 'ws_1', '--api', 'api_1', '--key', 'key_1'], 'exactly one of --api, --key and --identity'],
      [['--workspace', 'ws_1', '--api', 'api_1', '--since', '7w'], '--since takes a count and a unit'],
      [['--workspace', 'ws_1', '--api', 'api_1', '--since', '0d'], '--since takes a count and a unit'],
      [['--workspace', 'ws_1', '--api', 'api_1', '--interval', 'week'], '--interval is one of minute, hour, day, month'],
      [['--workspace', 'ws_1', '--api', 'api_1', '--since', '90d', '--interval', 'minute'], 'more than 1000 minute buckets'],
    ];
    for (const [args, message] of cases) {
      const run = await cli('usage', ...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain(message);
      expect(run.stderr).toContain('usage: keyward usage --workspace <id>');
    }
  });

  it('draws the largest total as wide as the terminal allows, at most 60 columns, in eighth blocks', () => {
    const point = (time: number, total: number) => ({ time, total }) as TimeseriesPoint;
    const points = [point(0, 16), point(3_600_000, 1), point(7_200_000, 0)];
    const at = (columns: number | undefined) => chart(points, columns).split('\n');
    // 24 (time) + 2 (count) + 2 spaces + 2 spare: 40 columns leave 10 for the bar, 1/16 of it is 5 eighths.
    expect(at(40)).toEqual([
      `1970-01-01T00:00:00.000Z 16 ${'█'.repeat(10)}`,
      '1970-01-01T01:00:00.000Z  1 ▋',
      '1970-01-01T02:00:00.000Z  0',
      '',
    ]);
    expect(at(undefined)[0]).toBe(`1970-01-01T00:00:00.000Z 16 ${'█'.repeat(60)}`);
    expect(at(500)[0]).toBe(`1970-01-01T00:00:00.000Z 16 ${'█'.repeat(60)}`);
    expect(at(10)[0]).toBe('1970-01-01T00:00:00.000Z 16 █');
  });
});
