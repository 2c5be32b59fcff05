/**
 * `npm run bench`: Keyward against the machine's own ceiling and a peer, in one run (issue 6).
 *
 *   npm run bench                   full: 1,000 / 100,000 / 1,000,000 stored keys, SQLite and PostgreSQL, peer,
 *                                   3 runs of 10 s per scenario (about 20 minutes), analytics (issue 14: a 60 s
 *                                   sustained load, queries over 10,000,000 stored events, bulk-loaded: 17-19
 *                                   minutes per engine on 2 loaded cores); writes bench/RESULTS.md
 *   npm run bench -- --quick        1,000 keys, fewer scenarios, one run of 3 s each, 200,000 analytics events
 *                                   (a few minutes)
 *   npm run bench -- --smoke        set-up and a check of every quick scenario, two loads of one second (the test;
 *                                   it runs the built dist/, which test/bench-quick.test.ts builds when its sources changed)
 *
 * Options (--help prints this): --out FILE (report; default bench/RESULTS.md, smoke: none), --only REGEX (scenario ids), --runs N,
 * --seconds N, --warmup N, --sizes 1000,100000, --engines sqlite,postgres, --no-peer, --analytics-events N (events stored
 * before analytics queries are timed; full 10,000,000, quick 200,000, smoke 5,000), --analytics-loader bulk|write (how
 * they are stored: the bench's bulk loader, bench/lib/analytics-bulk.ts, by default; or the store's write()),
 * --sustained-seconds N (the
 * sustained-events load; full 60, else --seconds),
 * --profile REGEX (node --cpu-prof for matching Keyward scenarios, into bench/profiles/<scenario>.<time>/, a profile per thread),
 * --timeline DIR (each Keyward server writes when each request was read and answered, per connection, its event
 * loop's stalls and its garbage collections to DIR/<pid>.json; bench/timeline-summary.ts reads them), --from-src (run the
 * Keyward server from src/ through tsx instead of dist/), --keyward-root DIR (measure another checkout's built server,
 * to compare two builds in one run of this bench), --variants 'A=1,B=2|A=3' (run every wanted Keyward scenario once per
 * variant, in the order given, on the same stored keys: each variant's KEY=VALUE settings go into the server's
 * environment, and `root=DIR` measures that checkout's build instead; repeat variants to alternate them, e.g.
 * 'KEYWARD_SQLITE_MMAP_MB=0|KEYWARD_SQLITE_MMAP_MB=256|KEYWARD_SQLITE_MMAP_MB=0|KEYWARD_SQLITE_MMAP_MB=256'. The
 * stores are seeded once per bench run, a million keys taking minutes, so this is how several settings or builds are
 * compared on one store), --keep-sqlite DIR (seed each SQLite store into DIR once, keep it, and use it again in later
 * runs given the same DIR: a 1,000,000-key store takes minutes to seed on a loaded machine; what the scenarios write,
 * lastUsedAt times, spent credits, analytics events, stays in it, so use it for the read-mostly verify scenarios),
 * --node-args 'ARGS' (Node options for every Keyward server, space-separated, e.g. '--trace-gc --max-semi-space-size=32'),
 * --server-log DIR (each Keyward server's whole output, stdout and stderr, into DIR/<scenario>.<pid>.log: with
 * --node-args '--trace-gc', its garbage collections), --postgres-url URL, --redis-url URL, --render FILE.json (only write
 * the Markdown again from a saved run, e.g. after changing the report's layout).
 *
 * Every server (the ceiling, Keyward, the peer) runs alone on core 0 (`taskset -c 0`) and wrk on core 1, on
 * loopback, with 50 connections; every load run is bounded in time. PostgreSQL and Redis are not pinned.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { prepareDatabase, type BenchDatabase, type Engine } from './lib/keys.js';
import {
  measureAnalyticsQueries,
  readAnalyticsCounts,
  sustainedEvents,
  type AnalyticsLoader,
  type AnalyticsQueryResult,
  type SustainedEvents,
} from './lib/analytics.js';
import { killChildren, onPath, peakRss, run, sampleMemory, startServer, type RunningServer } from './lib/proc.js';
import { renderReport, type BenchReport, type Environment, type ScenarioResult } from './lib/report.js';
import { ceilingScenario, keywardScenarios, peerScenario, type Scenario, type ServerSpec, type VerifyPlan } from './lib/scenarios.js';
import { runLoad, type LoadResult } from './lib/wrk.js';
import { chromiumExecutable, type DashboardLoadResult, measureDashboardLoad } from './lib/dashboard-load.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SERVER_CPU = 0;
const WRK_CPU = 1;
const CONNECTIONS = 50;

export type Mode = 'full' | 'quick' | 'smoke';

export interface BenchOptions {
  mode: Mode;
  /** The Markdown report; null writes none. A JSON file of every run is written beside it. */
  out: string | null;
  runs: number;
  seconds: number;
  warmup: number;
  sizes: number[];
  engines: Engine[];
  peer: boolean;
  /** Seconds of the sustained-events load (default: 60 in full mode, else --seconds). */
  sustainedSeconds?: number;
  /** Verification events stored before the analytics query latencies are measured. */
  analyticsEvents: number;
  /** How those events are stored (bench/lib/analytics.ts). */
  analyticsLoader: AnalyticsLoader;
  only?: RegExp;
  profile?: RegExp;
  /** Run the Keyward server from src/ through tsx (no build needed) instead of dist/. */
  fromSrc: boolean;
  /** --timeline DIR: each Keyward server writes its requests' timeline there (bench/lib/request-timeline.mjs). */
  timeline: string | undefined;
  /** --node-args: Node options for every Keyward server. */
  nodeArgs: string[];
  /** --server-log DIR: each Keyward server's output is written there whole. */
  serverLog: string | undefined;
  /** The checkout whose Keyward server is measured (default: this one), to compare two builds on one machine. */
  keywardRoot: string;
  /** --variants: each wanted Keyward scenario runs once per entry, with its settings (bench/run.ts, header). */
  variants?: Variant[];
  /** --keep-sqlite DIR: SQLite stores seeded once into DIR and used again by later runs (bench/lib/keys.ts). */
  keepSqlite?: string;
  postgresUrl: string;
  redisUrl: string;
  log: (line: string) => void;
}

/** One entry of --variants: settings for the server's environment and, optionally, another checkout to run. */
export interface Variant {
  name: string;
  env: Record<string, string>;
  root?: string;
}

function parseVariants(text: string): Variant[] {
  return text.split('|').map((entry) => {
    const variant: Variant = { name: entry.trim(), env: {} };
    for (const part of entry
      .split(',')
      .map((p) => p.trim())
      .filter(Boolean)) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new Error(`--variants: "${part}" is not KEY=VALUE`);
      const [key, value] = [part.slice(0, eq), part.slice(eq + 1)];
      if (key === 'root') variant.root = resolve(value);
      else if (key.startsWith('KEYWARD_')) variant.env[key] = value;
      else throw new Error(`--variants: "${key}" is neither root nor a KEYWARD_ setting`);
    }
    return variant;
  });
}

/**
 * A Keyward scenario as one variant runs it: its settings added to the server's environment, and its checkout (root=DIR)
 * carried by the server's spec itself, which is what starts the server. Until session 19 the checkout went in the
 * options given to runScenario, which the server's start never read: every root=DIR variant ran this tree's build.
 */
export function variantScenario(scenario: Scenario, variant: Variant): Scenario {
  if (scenario.server.kind !== 'keyward') return scenario;
  const server = { ...scenario.server, env: { ...scenario.server.env, ...variant.env }, ...(variant.root ? { root: variant.root } : {}) };
  return { ...scenario, id: `${scenario.id}[${variant.name}]`, label: `${scenario.label} [${variant.name}]`, server };
}

/** Options without a value, and options with one; --render is handled before parseArgs (renderOnly). */
const FLAGS = new Set(['--smoke', '--quick', '--no-peer', '--from-src']);
const VALUED = new Set([
  '--out',
  '--only',
  '--runs',
  '--seconds',
  '--warmup',
  '--sizes',
  '--engines',
  '--sustained-seconds',
  '--analytics-events',
  '--analytics-loader',
  '--profile',
  '--timeline',
  '--node-args',
  '--server-log',
  '--keyward-root',
  '--variants',
  '--keep-sqlite',
  '--postgres-url',
  '--redis-url',
]);

/** The option this file's header does not list, if any: a misspelt one must not start a run of half an hour with defaults. */
function unknownOption(argv: string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    if (VALUED.has(argv[i]!)) i++;
    else if (!FLAGS.has(argv[i]!)) return argv[i];
  }
  return undefined;
}

/** The header comment of this file, which lists the modes and options, as plain text. */
export function usage(): string {
  const source = readFileSync(fileURLToPath(import.meta.url), 'utf8');
  const header = source.slice(source.indexOf('/**') + 3, source.indexOf('*/'));
  return `${header
    .split('\n')
    .map((line) => line.replace(/^ \* ?/, ''))
    .join('\n')
    .trim()}\n`;
}

export function parseArgs(argv: string[], log: (line: string) => void = (line) => process.stdout.write(`${line}\n`)): BenchOptions {
  const unknown = unknownOption(argv);
  if (unknown !== undefined) throw new Error(`unknown option ${unknown} (--help lists them)`);
  const flag = (name: string) => argv.includes(name);
  const value = (name: string) => {
    const i = argv.indexOf(name);
    if (i === -1) return undefined;
    const v = argv[i + 1];
    // Node's options are the one value that starts with dashes.
    if (v === undefined || (v.startsWith('--') && name !== '--node-args')) throw new Error(`${name} needs a value`);
    return v;
  };
  const mode: Mode = flag('--smoke') ? 'smoke' : flag('--quick') ? 'quick' : 'full';
  const defaults = {
    full: { runs: 3, seconds: 10, warmup: 3, sizes: [1_000, 100_000, 1_000_000], peer: true },
    quick: { runs: 1, seconds: 3, warmup: 1, sizes: [1_000], peer: true },
    smoke: { runs: 1, seconds: 1, warmup: 0, sizes: [1_000], peer: true },
  }[mode];
  const number = (name: string, fallback: number) => {
    const v = value(name);
    if (v === undefined) return fallback;
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new Error(`${name} must be a number`);
    return n;
  };
  const regex = (name: string) => {
    const v = value(name);
    return v === undefined ? undefined : new RegExp(v);
  };
  const engines = (value('--engines') ?? 'sqlite,postgres').split(',').map((e) => e.trim()) as Engine[];
  for (const e of engines) if (e !== 'sqlite' && e !== 'postgres') throw new Error(`unknown engine ${e}`);
  const out = value('--out');
  const only = regex('--only');
  const profile = regex('--profile');
  const variants = value('--variants');
  return {
    mode,
    out:
      out !== undefined ? resolve(out) : mode === 'smoke' ? null : join(ROOT, 'bench', mode === 'full' ? 'RESULTS.md' : 'RESULTS.quick.md'),
    runs: Math.max(1, Math.round(number('--runs', defaults.runs))),
    seconds: number('--seconds', defaults.seconds),
    warmup: number('--warmup', defaults.warmup),
    sizes:
      value('--sizes')
        ?.split(',')
        .map((s) => Number(s.trim())) ?? defaults.sizes,
    engines,
    peer: !flag('--no-peer') && defaults.peer,
    ...(value('--sustained-seconds') !== undefined ? { sustainedSeconds: number('--sustained-seconds', 60) } : {}),
    analyticsEvents: Math.round(number('--analytics-events', { full: 10_000_000, quick: 200_000, smoke: 5_000 }[mode])),
    analyticsLoader: analyticsLoader(value('--analytics-loader') ?? 'bulk'),
    ...(only ? { only } : {}),
    ...(profile ? { profile } : {}),
    fromSrc: flag('--from-src'),
    timeline: value('--timeline') === undefined ? undefined : resolve(value('--timeline')!),
    nodeArgs: (value('--node-args') ?? '').split(' ').filter((arg) => arg !== ''),
    serverLog: value('--server-log') === undefined ? undefined : resolve(value('--server-log')!),
    keywardRoot: resolve(value('--keyward-root') ?? ROOT),
    ...(variants !== undefined ? { variants: parseVariants(variants) } : {}),
    ...(value('--keep-sqlite') !== undefined ? { keepSqlite: resolve(value('--keep-sqlite')!) } : {}),
    postgresUrl: value('--postgres-url') ?? process.env.KEYWARD_BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test',
    redisUrl: value('--redis-url') ?? process.env.KEYWARD_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
    log,
  };
}

function analyticsLoader(name: string): AnalyticsLoader {
  if (name !== 'bulk' && name !== 'write') throw new Error(`unknown --analytics-loader ${name} (bulk or write)`);
  return name;
}

/** What the benchmark needs that npm does not install. */
export function missingTools(): string[] {
  return ['wrk', 'taskset'].filter((tool) => !onPath(tool));
}

/** The plan for one database: quick mode and large stores run fewer scenarios. */
function planFor(options: BenchOptions, engine: Engine, size: number): VerifyPlan {
  const { mode, redisUrl } = options;
  const small = size === Math.min(...options.sizes);
  const sustainedSeconds = options.sustainedSeconds ?? (mode === 'full' ? 60 : options.seconds);
  if (!small) return { kinds: ['cached', 'cold'], operations: [], redisUrl, sustainedSeconds };
  // One scenario of each row of issue 16's targets in every mode, so a change that breaks one shows in a quick run.
  const floodKeys = { full: 1_000_000, quick: 200_000, smoke: 5_000 }[mode];
  if (mode === 'full' || engine === 'sqlite')
    return {
      kinds: [
        'cached',
        'cached-analytics-off',
        'cached-workers-2',
        'credits',
        'ratelimit',
        'permission',
        'cold',
        'unknown-flood',
        'sustained',
      ],
      operations: ['createKey', 'ratelimit.limit', 'listKeys'],
      redisUrl,
      sustainedSeconds,
      floodKeys,
    };
  return {
    kinds: ['cached', 'cached-analytics-off', 'cached-workers-2', 'credits', 'ratelimit', 'cold', 'unknown-flood', 'sustained'],
    operations: ['createKey', 'ratelimit.limit', 'listKeys'],
    redisUrl,
    sustainedSeconds,
    floodKeys,
  };
}

/** Scenarios measured in smoke mode; every other one is only set up and checked. */
const SMOKE_MEASURED =
  /^(ceiling|sqlite-1k-verify-cached|sqlite-1k-verify-cached-workers-2|sqlite-1k-verify-unknown-flood|sqlite-1k-verify-sustained)$/;

/** A clean environment for a server: none of this process's KEYWARD_* settings leak into it. */
function serverEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('KEYWARD_') && k !== 'NODE_OPTIONS') env[k] = v;
  return { ...env, ...extra };
}

/** A scenario id as a file name: a --variants id carries its settings, paths (root=DIR) included. */
const fileName = (id: string): string => id.replace(/[^\w.=-]+/g, '_');

/** The checkout a Keyward scenario's server runs (its variant's, else --keyward-root) and the script Node starts there. */
export function keywardEntry(spec: Extract<ServerSpec, { kind: 'keyward' }>, options: Pick<BenchOptions, 'keywardRoot' | 'fromSrc'>) {
  const root = spec.root ?? options.keywardRoot;
  return { root, entry: options.fromSrc ? ['--import', 'tsx', join(root, 'src/main.ts')] : [join(root, 'dist/src/main.js')] };
}

async function startScenarioServer(scenario: Scenario, options: BenchOptions, profileDir: string): Promise<RunningServer> {
  const spec = scenario.server;
  if (spec.kind === 'ceiling')
    return startServer(['node', join(ROOT, 'bench/servers/ceiling.mjs')], { cpu: SERVER_CPU, env: serverEnv({}) });
  if (spec.kind === 'peer')
    return startServer(['node', join(ROOT, 'bench/servers/peer.mjs'), 'serve', spec.file], { cpu: SERVER_CPU, env: serverEnv({}) });
  const profiling = options.profile?.test(scenario.id) ?? false;
  const nodeArgs = profiling
    ? // A folder per server and Node's own file names, which carry the thread id: every thread (the analytics writer's
      // too) writes its own profile, where one --cpu-prof-name would have them overwrite each other.
      ['--cpu-prof', `--cpu-prof-dir=${join(profileDir, `${fileName(scenario.id)}.${Date.now()}`)}`]
    : [];
  // Where each request's time went, from the server's side (bench/lib/request-timeline.mjs, bench/timeline-summary.ts).
  const timeline = options.timeline ? ['--import', pathToFileURL(join(ROOT, 'bench/lib/request-timeline.mjs')).href] : [];
  const { root, entry } = keywardEntry(spec, options);
  return startServer(['node', ...options.nodeArgs, ...nodeArgs, ...timeline, ...entry, 'start'], {
    cpu: SERVER_CPU,
    cwd: root,
    ...(options.serverLog ? { log: (pid: number) => join(options.serverLog!, `${fileName(scenario.id)}.${pid}.log`) } : {}),
    // Several workers start one after another on the one pinned core (from src/, each compiles it through tsx).
    timeoutMs: spec.env.KEYWARD_WORKERS === undefined ? 60_000 : 180_000,
    env: serverEnv({
      KEYWARD_PORT: '0',
      KEYWARD_HOST: '127.0.0.1',
      KEYWARD_DATA_DIR: spec.db.dataDir,
      KEYWARD_DATABASE_URL: spec.db.databaseUrl,
      KEYWARD_LOG_LEVEL: 'warn',
      ...(options.timeline ? { BENCH_TIMELINE_DIR: options.timeline } : {}),
      ...spec.env,
    }),
  });
}

function authorization(scenario: Scenario): string | undefined {
  if (!scenario.auth) return undefined;
  return `Bearer ${scenario.server.kind === 'keyward' ? scenario.server.db.rootKey : 'kw_root_not_checked_here'}`;
}

/** One request of the scenario by hand before any load: the set-up is right, or the scenario fails loudly. */
async function check(scenario: Scenario, server: RunningServer, body: string): Promise<string> {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  const auth = authorization(scenario);
  if (auth) headers.authorization = auth;
  const response = await fetch(`${server.url}${scenario.path}`, { method: 'POST', headers, body, signal: AbortSignal.timeout(10_000) });
  const text = await response.text();
  if (response.status !== 200 || !scenario.expect.split('&&').every((part) => text.includes(part))) {
    throw new Error(`scenario ${scenario.id}: expected 200 with ${scenario.expect}, got ${response.status}: ${text.slice(0, 500)}`);
  }
  return text;
}

/** Identifies a server configuration: scenarios with equal keys may share one process (smoke mode only). */
function serverKey(scenario: Scenario): string {
  const spec = scenario.server;
  return spec.kind === 'keyward' ? JSON.stringify([spec.kind, spec.db.databaseUrl, spec.env, spec.root]) : JSON.stringify(spec);
}

/**
 * Starts servers for scenarios. Measured scenarios always get a fresh process, so peak memory and warm-up belong
 * to that scenario alone; in smoke mode, scenarios that are only checked share one while their configuration is equal.
 */
class Servers {
  private current: { key: string; server: RunningServer } | undefined;

  constructor(
    private readonly options: BenchOptions,
    private readonly profileDir: string,
  ) {}

  async get(scenario: Scenario, shared: boolean): Promise<RunningServer> {
    const key = serverKey(scenario);
    if (shared && this.current?.key === key) return this.current.server;
    await this.release();
    const server = await startScenarioServer(scenario, this.options, this.profileDir);
    if (shared) this.current = { key, server };
    return server;
  }

  async done(server: RunningServer): Promise<void> {
    if (this.current?.server !== server) await server.stop();
  }

  async release(): Promise<void> {
    const current = this.current;
    this.current = undefined;
    await current?.server.stop();
  }
}

async function runScenario(scenario: Scenario, options: BenchOptions, workDir: string, servers: Servers): Promise<ScenarioResult> {
  const { log } = options;
  const bodies = scenario.bodies();
  const bodiesFile = join(workDir, `${fileName(scenario.id)}.bodies`);
  writeFileSync(bodiesFile, `${bodies.join('\n')}\n`);
  const measured = options.mode !== 'smoke' || SMOKE_MEASURED.test(scenario.id);

  const companion = scenario.companion;
  const companionFile = join(workDir, `${fileName(scenario.id)}.companion.bodies`);
  if (companion) writeFileSync(companionFile, `${companion.bodies().join('\n')}\n`);

  const server = await servers.get(scenario, !measured);
  const memory = sampleMemory(server.pid);
  const runs: LoadResult[] = [];
  const companionRuns: LoadResult[] = [];
  let analytics: SustainedEvents | undefined;
  let sample = '';
  try {
    sample = await check(scenario, server, bodies[0]!);
    if (companion) await check({ ...scenario, expect: companion.expect }, server, companion.bodies()[0]!);
    if (measured) {
      const load = (seconds: number, offset: number) =>
        runLoad({
          url: `${server.url}${scenario.path}`,
          bodiesFile,
          expect: scenario.expect,
          seconds,
          connections: CONNECTIONS,
          cpu: WRK_CPU,
          serverPid: server.pid,
          offset,
          ...(authorization(scenario) ? { authorization: authorization(scenario)! } : {}),
        });
      const before = scenario.analyticsEvents ? await readAnalyticsCounts(server.url) : undefined;
      const sustained = scenario.sustainedSeconds !== undefined;
      const warmup = sustained ? 0 : options.warmup;
      const seconds = sustained ? scenario.sustainedSeconds! : options.seconds;
      // Cycled distinct keys continue where the previous run stopped, so each run meets keys it has not seen.
      let offset = 0;
      let loaded = { seconds: 0, requests: 0 };
      if (warmup > 0) {
        const result = await load(warmup, offset);
        offset += result.requests;
        loaded = { seconds: warmup, requests: result.requests };
      }
      // The companion client, beside a run: its own connections and bodies, on wrk's core, no server CPU sampled twice.
      const besideRun = (runSeconds: number) =>
        companion
          ? runLoad({
              url: `${server.url}${scenario.path}`,
              bodiesFile: companionFile,
              expect: companion.expect,
              seconds: runSeconds,
              connections: companion.connections,
              cpu: WRK_CPU,
              ...(authorization(scenario) ? { authorization: authorization(scenario)! } : {}),
            })
          : undefined;
      for (let r = 0; r < (sustained ? 1 : options.runs); r++) {
        const beside = besideRun(seconds);
        const result = await load(seconds, scenario.cycle ? offset : 0);
        const besideResult = await beside;
        if (besideResult) {
          companionRuns.push(besideResult);
          log(
            `  ${scenario.id} run ${r + 1}, ${companion!.label}: ${Math.round(besideResult.rps)} req/s, ` +
              `p50 ${besideResult.p50Ms.toFixed(2)} ms, p99 ${besideResult.p99Ms.toFixed(2)} ms` +
              (besideResult.mismatches > 0 ? `, ${besideResult.mismatches} WRONG ANSWERS (${besideResult.sample})` : ''),
          );
        }
        loaded = { seconds: loaded.seconds + seconds, requests: loaded.requests + result.requests };
        offset += result.requests;
        runs.push(result);
        log(
          `  ${scenario.id} run ${r + 1}: ${Math.round(result.rps)} req/s, p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms` +
            (result.serverCpu !== undefined
              ? `, server cpu ${(result.serverCpu * 100).toFixed(0)}% (${result.serverCpuUsPerRequest!.toFixed(0)} us/req` +
                (result.mainThreadCpuUsPerRequest !== undefined ? `, main thread ${result.mainThreadCpuUsPerRequest.toFixed(0)}` : '') +
                ')' +
                (result.threadCpuUsPerRequest !== undefined
                  ? `, by thread: ${Object.entries(result.threadCpuUsPerRequest)
                      .map(([thread, us]) => `${thread} ${us.toFixed(1)}`)
                      .join(', ')}`
                  : '')
              : '') +
            (result.wrkCpu !== undefined ? `, wrk cpu ${(result.wrkCpu * 100).toFixed(0)}%` : '') +
            (result.mismatches > 0 ? `, ${result.mismatches} WRONG ANSWERS (${result.sample})` : ''),
        );
      }
      if (before) {
        analytics = await sustainedEvents(server.url, before, loaded);
        log(
          `  ${scenario.id}: ${analytics.written} events written (${Math.round(analytics.eventsPerSecond)}/s over ${analytics.loadSeconds} s), ` +
            `${analytics.dropped} dropped, ${analytics.failed} failed; buffer empty ${analytics.drainSeconds.toFixed(1)} s after the load`,
        );
      }
    } else {
      // Not measured: a few more of its requests by hand, so every body of the set-up is known to be right.
      for (const body of bodies.slice(1, 3)) await check(scenario, server, body);
      log(`  ${scenario.id}: set up and checked`);
    }
    const peak = peakRss(server.pid);
    const kinds = memory.stop();
    if (server.ended()) throw new Error(`the server of ${scenario.id} ended during the scenario (${server.ended()})`);
    return {
      id: scenario.id,
      group: scenario.group,
      label: scenario.label,
      ...(scenario.note ? { note: scenario.note } : {}),
      ...(scenario.engine ? { engine: scenario.engine } : {}),
      ...(scenario.stored !== undefined ? { stored: scenario.stored } : {}),
      runs,
      ...(peak !== undefined ? { peakRssBytes: peak } : {}),
      ...(kinds ? { peakRssAnonBytes: kinds.peakRssAnon, peakRssFileBytes: kinds.peakRssFile } : {}),
      ...(analytics ? { analytics } : {}),
      ...(companion && companionRuns.length > 0 ? { companion: { label: companion.label, runs: companionRuns } } : {}),
      sample: sample.slice(0, 300),
    };
  } catch (error) {
    // Say what the server printed and how it ended: a load that fails usually means the server went away.
    const ended = server.ended();
    const output = server.output().trim().split('\n').slice(-30).join('\n');
    throw new Error(
      `${(error as Error).message}\nserver ${ended ? `ended (${ended})` : 'still running'}; its last output:\n${output || '(none)'}`,
    );
  } finally {
    memory.stop();
    await servers.done(server);
  }
}

async function environment(options: BenchOptions): Promise<Environment> {
  const cpuModel = /model name\s*:\s*(.+)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const pkg = (path: string) => {
    try {
      return (JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as { version: string }).version;
    } catch {
      return 'not installed';
    }
  };
  const versions: Record<string, string> = {
    node: process.version,
    keyward: pkg('package.json'),
    'better-auth': pkg('node_modules/better-auth/package.json'),
    '@better-auth/api-key': pkg('node_modules/@better-auth/api-key/package.json'),
    'better-sqlite3': pkg('node_modules/better-sqlite3/package.json'),
    fastify: pkg('node_modules/fastify/package.json'),
  };
  try {
    const db = new Database(':memory:');
    versions.SQLite = (db.prepare('select sqlite_version() as v').get() as { v: string }).v;
    db.close();
  } catch {
    // reported as missing
  }
  if (options.engines.includes('postgres')) {
    const client = new pg.Client({ connectionString: options.postgresUrl });
    try {
      await client.connect();
      versions.PostgreSQL = String((await client.query('SHOW server_version')).rows[0].server_version);
    } catch {
      versions.PostgreSQL = 'unreachable';
    } finally {
      await client.end().catch(() => undefined);
    }
    try {
      versions.Redis =
        /redis_version:(\S+)/.exec(await run('redis-cli', ['-u', options.redisUrl, 'INFO', 'server'], { timeoutMs: 5000 }))?.[1] ??
        'unknown';
    } catch {
      versions.Redis = 'unknown';
    }
  }
  try {
    versions.wrk =
      (await run('wrk', ['--version'], { timeoutMs: 5000 }).catch((e: Error) => e.message)).match(/wrk (\S+) \[/)?.[1] ?? 'unknown';
  } catch {
    versions.wrk = 'unknown';
  }
  try {
    // Read-only: which code was measured.
    const head = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: options.keywardRoot, timeoutMs: 5000 })).trim();
    const dirty = (await run('git', ['status', '--porcelain', '--', 'src'], { cwd: options.keywardRoot, timeoutMs: 5000 })).trim() !== '';
    versions.keyward += ` (commit ${head}${dirty ? ' plus uncommitted changes in src/' : ''})`;
  } catch {
    // not a git checkout
  }
  return {
    date: new Date().toISOString(),
    cpuModel,
    cores: os.cpus().length,
    memoryBytes: os.totalmem(),
    kernel: `${os.type()} ${os.release()}`,
    versions,
    loadAverageStart: os.loadavg(),
    loadAverageEnd: os.loadavg(),
  };
}

export interface BenchResult {
  report: BenchReport;
  markdown: string;
}

/** Runs every scenario of the mode, in one process, and writes the report. */
export async function runBench(options: BenchOptions): Promise<BenchResult> {
  const { log } = options;
  const missing = missingTools();
  if (missing.length > 0) throw new Error(`missing ${missing.join(', ')}: install with apt-get install -y ${missing.join(' ')}`);
  if (!options.fromSrc && !existsSync(join(options.keywardRoot, 'dist/src/main.js'))) {
    throw new Error(`${join(options.keywardRoot, 'dist')} is missing: run npm run build first (npm run bench does)`);
  }
  if (os.cpus().length < 2) throw new Error('the benchmark pins the server and wrk to two different cores; this machine has one');

  const started = performance.now();
  const env = await environment(options);
  const workDir = mkdtempSync(join(os.tmpdir(), 'keyward-bench-run-'));
  const profileDir = join(ROOT, 'bench/profiles');
  if (options.profile) mkdirSync(profileDir, { recursive: true });
  const results: ScenarioResult[] = [];
  const analyticsQueries: AnalyticsQueryResult[] = [];
  let dashboardLoad: DashboardLoadResult | undefined;
  const servers = new Servers(options, profileDir);
  const wanted = (s: Scenario) => !options.only || options.only.test(s.id) || s.id.startsWith('ceiling');
  const databases: BenchDatabase[] = [];
  // Interrupted (Ctrl-C): servers and wrk get the signal from the terminal too; drop the databases made so far
  // (a PostgreSQL schema with a million keys would otherwise stay behind), then stop.
  const interrupted = () => {
    log('interrupted: stopping servers and wrk, dropping the benchmark databases');
    killChildren();
    void Promise.allSettled(databases.map((db) => db.drop())).then(() => {
      rmSync(workDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  log(
    `keyward bench (${options.mode}): ${options.runs} run(s) of ${options.seconds} s after ${options.warmup} s of warm-up, ${CONNECTIONS} connections; load average ${env.loadAverageStart.map((l) => l.toFixed(2)).join(' ')}`,
  );

  try {
    results.push(await runScenario(ceilingScenario('ceiling'), options, workDir, servers));

    for (const size of options.sizes) {
      for (const engine of options.engines) {
        const scenarios = (db: BenchDatabase) => keywardScenarios(db, planFor(options, engine, size)).filter(wanted);
        // Decide before inserting a million keys whether any scenario of this database is wanted at all.
        if (options.only && !keywardScenarios(placeholderDb(engine, size), planFor(options, engine, size)).some(wanted)) continue;
        log(`${engine}, ${size.toLocaleString('en-US')} stored keys: preparing`);
        const db = await prepareDatabase(engine, size, {
          postgresUrl: options.postgresUrl,
          log,
          ...(options.keepSqlite ? { keepSqliteDir: options.keepSqlite } : {}),
        });
        databases.push(db);
        try {
          for (const scenario of scenarios(db)) {
            if (!options.variants || scenario.server.kind !== 'keyward') {
              results.push(await runScenario(scenario, options, workDir, servers));
              continue;
            }
            for (const variant of options.variants)
              results.push(await runScenario(variantScenario(scenario, variant), options, workDir, servers));
          }
        } finally {
          await servers.release();
          await db.drop();
          databases.splice(databases.indexOf(db), 1);
        }
      }
    }

    if (!options.only || options.only.test('analytics-queries')) {
      for (const engine of options.engines) {
        log(`${engine}, analytics queries over ${options.analyticsEvents.toLocaleString('en-US')} stored events: preparing`);
        analyticsQueries.push(
          await measureAnalyticsQueries(engine, {
            postgresUrl: options.postgresUrl,
            events: options.analyticsEvents,
            loader: options.analyticsLoader,
            samples: options.mode === 'full' ? 200 : options.mode === 'quick' ? 50 : 5,
            log,
          }),
        );
      }
    }

    // Not in smoke mode: twelve seconds of chromium for a figure test/bench-quick.test.ts does not read.
    if (options.mode !== 'smoke' && (!options.only || options.only.test('dashboard-load'))) {
      if (chromiumExecutable() && !options.fromSrc) {
        log('dashboard: the sign-in page in chromium');
        const ceiling = await startServer(['node', join(ROOT, 'bench/servers/ceiling.mjs')], { cpu: SERVER_CPU, env: serverEnv({}) });
        try {
          dashboardLoad = await measureDashboardLoad({
            keywardRoot: options.keywardRoot,
            ceilingUrl: ceiling.url,
            samples: options.mode === 'full' ? 30 : options.mode === 'quick' ? 10 : 2,
            serverCpu: SERVER_CPU,
            env: serverEnv({}),
            log,
          });
        } finally {
          await ceiling.stop();
        }
      } else log('dashboard: not measured (needs chromium, apt-get install -y chromium, and the build, not --from-src)');
    }

    const peerWanted = options.peer && (!options.only || options.only.test('peer-verify'));
    if (peerWanted) {
      log('peer: better-auth api-key, preparing');
      const file = join(workDir, 'peer.sqlite');
      const keysFile = join(workDir, 'peer.keys');
      const count = options.mode === 'full' ? 1000 : options.mode === 'quick' ? 100 : 3;
      await run('node', [join(ROOT, 'bench/servers/peer.mjs'), 'setup', file, keysFile, String(count)], {
        cwd: ROOT,
        env: serverEnv({}),
        timeoutMs: 300_000,
      });
      const keys = readFileSync(keysFile, 'utf8').split('\n').filter(Boolean);
      results.push(await runScenario(peerScenario(file, keys), options, workDir, servers));
    }

    if (options.mode === 'full')
      results.push(
        await runScenario({ ...ceilingScenario('ceiling-end'), label: 'bare node:http, again at the end' }, options, workDir, servers),
      );
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
    await servers.release();
    for (const db of databases) await db.drop().catch(() => undefined);
    rmSync(workDir, { recursive: true, force: true });
  }

  env.loadAverageEnd = os.loadavg();
  const report: BenchReport = {
    mode: options.mode,
    options: {
      runs: options.runs,
      seconds: options.seconds,
      warmup: options.warmup,
      connections: CONNECTIONS,
      sizes: options.sizes,
      engines: options.engines,
      fromSrc: options.fromSrc,
    },
    environment: env,
    elapsedSeconds: (performance.now() - started) / 1000,
    results,
    analyticsQueries,
    ...(dashboardLoad ? { dashboardLoad } : {}),
  };
  const previous = options.out && existsSync(options.out) ? readFileSync(options.out, 'utf8') : undefined;
  const markdown = renderReport(report, previous);
  if (options.out) {
    writeFileSync(options.out, markdown);
    writeFileSync(`${options.out.replace(/\.md$/, '')}.json`, `${JSON.stringify(report, null, 2)}\n`);
    log(`wrote ${options.out}`);
  }
  log(`done in ${report.elapsedSeconds.toFixed(0)} s; load average ${env.loadAverageEnd.map((l) => l.toFixed(2)).join(' ')}`);
  return { report, markdown };
}

/** Only the fields scenario ids depend on, to filter scenarios before a database exists. */
function placeholderDb(engine: Engine, stored: number): BenchDatabase {
  return {
    engine,
    stored,
    databaseUrl: '',
    dataDir: '',
    workspaceId: '',
    rootKey: '',
    apiId: '',
    writesApiId: '',
    listCursors: [],
    insertSeconds: 0,
    special: { credits: '', ratelimit: '', permission: '' },
    drop: async () => undefined,
  };
}

/** Writes the Markdown report again from a saved JSON report (--render FILE.json), keeping the hand-written section. */
function renderOnly(argv: string[]): void {
  const file = resolve(argv[argv.indexOf('--render') + 1] ?? '');
  const out = argv.includes('--out') ? resolve(argv[argv.indexOf('--out') + 1]!) : file.replace(/\.json$/, '.md');
  const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  writeFileSync(out, renderReport(report, existsSync(out) ? readFileSync(out, 'utf8') : undefined));
  process.stdout.write(`wrote ${out}\n`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url) && process.argv.includes('--render')) {
  renderOnly(process.argv.slice(2));
} else if (
  process.argv[1] &&
  resolve(process.argv[1]) === fileURLToPath(import.meta.url) &&
  process.argv.slice(2).some((arg) => arg === '--help' || arg === '-h')
) {
  process.stdout.write(usage());
} else if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  let options: BenchOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`bench: ${(error as Error).message}\n`);
    process.exit(2);
  }
  runBench(options).then(
    ({ report }) => {
      // Wrong answers or broken connections mean the measurement is not to be trusted; requests slower than wrk's
      // 5 s timeout are a result (reported in the table), not a failure of the benchmark.
      const wrong = report.results
        .flatMap((r) => r.runs)
        .some((r) => r.mismatches > 0 || r.errors.connect + r.errors.read + r.errors.write > 0);
      if (wrong) process.stderr.write('bench: some runs had wrong answers or socket errors; see the report\n');
      process.exit(wrong ? 1 : 0);
    },
    (error: unknown) => {
      process.stderr.write(`bench: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
