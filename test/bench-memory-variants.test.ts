import { describe, expect, it } from 'vitest';
import { memorySample, sampleMemory } from '../bench/lib/proc.js';
import type { Scenario, ServerSpec } from '../bench/lib/scenarios.js';
import { keywardEntry, parseArgs, usage, variantScenario } from '../bench/run.js';

type KeywardSpec = Extract<ServerSpec, { kind: 'keyward' }>;

describe('bench: peak memory by kind, and --variants', () => {
  it('reads VmHWM, RssAnon and RssFile of a live process, and keeps the largest anonymous peak sampled', async () => {
    const now = memorySample(process.pid)!;
    expect(now.peakRss).toBeGreaterThan(0);
    expect(now.rssAnon).toBeGreaterThan(0);
    expect(now.rssFile).toBeGreaterThan(0);
    expect(now.rssAnon + now.rssFile).toBeLessThanOrEqual(now.peakRss + 4096);

    const sampler = sampleMemory(process.pid, 10);
    // 64 MB touched, held across a few samples, then let go: the peak must remember it.
    let block: Buffer | undefined = Buffer.alloc(64 * 1024 * 1024, 1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    const held = memorySample(process.pid)!.rssAnon;
    block = undefined;
    void block;
    const peaks = sampler.stop()!;
    expect(peaks.peakRssAnon).toBeGreaterThanOrEqual(held);
    expect(peaks.peakRssAnon).toBeGreaterThanOrEqual(now.rssAnon + 32 * 1024 * 1024);
    expect(peaks.peakRssFile).toBeGreaterThan(0);
    expect(memorySample(2 ** 22 + 12345)).toBeUndefined();
  });

  it('parses --variants into settings and checkouts, and refuses what is neither', () => {
    const options = parseArgs(['--variants', 'KEYWARD_SQLITE_MMAP_MB=0,KEYWARD_CACHE_SIZE=10|root=/tmp/base'], () => undefined);
    expect(options.variants).toEqual([
      { name: 'KEYWARD_SQLITE_MMAP_MB=0,KEYWARD_CACHE_SIZE=10', env: { KEYWARD_SQLITE_MMAP_MB: '0', KEYWARD_CACHE_SIZE: '10' } },
      { name: 'root=/tmp/base', env: {}, root: '/tmp/base' },
    ]);
    expect(() => parseArgs(['--variants', 'MMAP=1'], () => undefined)).toThrow('neither root nor a KEYWARD_ setting');
    expect(() => parseArgs(['--variants', 'KEYWARD_X'], () => undefined)).toThrow('is not KEY=VALUE');
  });

  it("starts each root=DIR variant's server from that checkout, and the others from --keyward-root", () => {
    // Until session 19 the checkout went into options the server's start never read: every variant ran this tree.
    const options = parseArgs(['--variants', 'root=/tmp/base|KEYWARD_CACHE_SIZE=10', '--keyward-root', '/tmp/main'], () => undefined);
    const db = { engine: 'sqlite', stored: 1000, rootKey: 'kw_root', dataDir: '/tmp/d', databaseUrl: 'file:/tmp/d/k.sqlite' };
    const scenario = {
      id: 'sqlite-1k-verify-cached',
      label: 'cached',
      server: { kind: 'keyward', db, env: { A: '1' } },
    } as unknown as Scenario;
    const [base, setting] = options.variants!.map((variant) => variantScenario(scenario, variant));
    expect(base!.id).toBe('sqlite-1k-verify-cached[root=/tmp/base]');
    expect(keywardEntry(base!.server as KeywardSpec, options)).toEqual({ root: '/tmp/base', entry: ['/tmp/base/dist/src/main.js'] });
    expect(keywardEntry(setting!.server as KeywardSpec, options)).toEqual({ root: '/tmp/main', entry: ['/tmp/main/dist/src/main.js'] });
    expect(setting!.server).toMatchObject({ env: { A: '1', KEYWARD_CACHE_SIZE: '10' } });
    expect(keywardEntry(base!.server as KeywardSpec, { ...options, fromSrc: true }).entry).toEqual([
      '--import',
      'tsx',
      '/tmp/base/src/main.ts',
    ]);
  });

  it('passes --node-args to the Keyward servers and writes their output whole with --server-log', () => {
    const options = parseArgs(['--node-args', '--trace-gc  --max-semi-space-size=32', '--server-log', '/tmp/logs'], () => undefined);
    expect(options.nodeArgs).toEqual(['--trace-gc', '--max-semi-space-size=32']);
    expect(options.serverLog).toBe('/tmp/logs');
    expect(parseArgs([], () => undefined)).toMatchObject({ nodeArgs: [], serverLog: undefined });
    // Only --node-args takes a value that starts with dashes.
    expect(() => parseArgs(['--server-log', '--quick'], () => undefined)).toThrow('--server-log needs a value');
  });
});

describe('bench: options', () => {
  it('refuses an option it does not know, before anything runs', () => {
    expect(() => parseArgs(['--quick', '--onyl', 'cached'], () => undefined)).toThrow('unknown option --onyl');
    // A value is not mistaken for an option, and a misplaced value is.
    expect(parseArgs(['--only', 'cached', '--quick'], () => undefined)).toMatchObject({ mode: 'quick' });
    expect(() => parseArgs(['--quick', 'cached'], () => undefined)).toThrow('unknown option cached');
  });

  it('knows every option its usage lists', () => {
    const listed = new Set(usage().match(/--[a-z][a-z-]+/g));
    for (const option of ['--quick', '--only', '--variants', '--keep-sqlite', '--node-args']) expect(listed).toContain(option);
    listed.delete('--render');
    listed.delete('--help');
    // Node's own options, named in the examples of --node-args and --profile.
    for (const option of listed) if (/^--(trace|max-|cpu-prof|heap)/.test(option)) listed.delete(option);
    for (const option of listed) {
      const argv = option === '--node-args' ? [option, '--trace-gc'] : [option, '1'];
      let error: unknown;
      try {
        parseArgs(argv, () => undefined);
      } catch (e) {
        error = e;
      }
      expect(String(error ?? '')).not.toContain(`unknown option ${option} `);
    }
  });
});
