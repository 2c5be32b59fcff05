import type { AnalyticsQueryResult, SustainedEvents } from './analytics.js';
import type { Engine } from './keys.js';
import type { LoadResult } from './wrk.js';
import type { DashboardLoadResult } from './dashboard-load.js';

export interface Environment {
  date: string;
  cpuModel: string;
  cores: number;
  memoryBytes: number;
  kernel: string;
  versions: Record<string, string>;
  loadAverageStart: number[];
  loadAverageEnd: number[];
}

export interface ScenarioResult {
  id: string;
  group: string;
  label: string;
  note?: string;
  engine?: Engine;
  stored?: number;
  runs: LoadResult[];
  peakRssBytes?: number;
  /**
   * The largest anonymous (RssAnon) and file-backed (RssFile) resident memory sampled during the scenario (every
   * 200 ms, bench/lib/proc.ts sampleMemory); absent in older reports. VmHWM above stays the total.
   */
  peakRssAnonBytes?: number;
  peakRssFileBytes?: number;
  /** What became of the load's analytics events (the sustained-events scenarios). */
  analytics?: SustainedEvents;
  /** The answer to the check request made before the load. */
  sample: string;
  /** The companion client's runs, one beside each of `runs` (scenarios with a companion: the unknown-key flood). */
  companion?: { label: string; runs: LoadResult[] };
}

export interface BenchReport {
  mode: 'full' | 'quick' | 'smoke';
  options: { runs: number; seconds: number; warmup: number; connections: number; sizes: number[]; engines: string[]; fromSrc: boolean };
  environment: Environment;
  elapsedSeconds: number;
  results: ScenarioResult[];
  /** analytics.getVerifications latencies over stored events (absent in reports older than issue 14's benchmarks). */
  analyticsQueries?: AnalyticsQueryResult[];
  /** The dashboard's first page in chromium (absent in older reports and when chromium is missing). */
  dashboardLoad?: DashboardLoadResult;
}

export interface Summary {
  rps: number;
  min: number;
  max: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  serverCpu?: number;
  cpuUsPerRequest?: number;
  /** Of which the main thread's (bench/lib/wrk.ts). */
  mainThreadCpuUsPerRequest?: number;
  wrong: number;
  socketErrors: number;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

/** Medians over the runs (max latency: the largest of any run). Undefined when the scenario was not measured. */
export function summarize(result: ScenarioResult): Summary | undefined {
  const { runs } = result;
  if (runs.length === 0) return undefined;
  const cpu = runs.map((r) => r.serverCpu).filter((c): c is number => c !== undefined);
  const perRequest = runs.map((r) => r.serverCpuUsPerRequest).filter((c): c is number => c !== undefined);
  const mainThread = runs.map((r) => r.mainThreadCpuUsPerRequest).filter((c): c is number => c !== undefined);
  return {
    rps: median(runs.map((r) => r.rps)),
    min: Math.min(...runs.map((r) => r.rps)),
    max: Math.max(...runs.map((r) => r.rps)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    maxMs: Math.max(...runs.map((r) => r.maxMs)),
    ...(cpu.length > 0 ? { serverCpu: median(cpu) } : {}),
    ...(perRequest.length > 0 ? { cpuUsPerRequest: median(perRequest) } : {}),
    ...(mainThread.length > 0 ? { mainThreadCpuUsPerRequest: median(mainThread) } : {}),
    wrong: runs.reduce((n, r) => n + r.mismatches, 0),
    socketErrors: runs.reduce((n, r) => n + r.errors.connect + r.errors.read + r.errors.write + r.errors.timeout, 0),
  };
}

/** The ceiling every ratio divides by: the median of all its runs (at the start and, in full mode, at the end). */
export function ceilingRps(report: BenchReport): number | undefined {
  const runs = report.results.filter((r) => r.id.startsWith('ceiling')).flatMap((r) => r.runs);
  return runs.length > 0 ? median(runs.map((r) => r.rps)) : undefined;
}

/** Past this, the ceiling's start and end medians disagree enough for the report to say its ratios are uncertain. */
const CEILING_DRIFT = 0.1;

/**
 * How far the ceiling moved within the run: the median of its runs at the start and at the end (full mode measures it
 * at both), and how much they differ as a share of the larger. Ratios divide by one median of all of them, so when
 * the machine sped up or slowed down between the two, each scenario's ratio is off by up to that share, depending on
 * when it ran; undefined when the ceiling was measured once.
 */
export function ceilingDrift(report: BenchReport): { start: number; end: number; share: number } | undefined {
  const medianOf = (id: string) => {
    const runs = report.results.find((r) => r.id === id)?.runs ?? [];
    return runs.length > 0 ? median(runs.map((r) => r.rps)) : undefined;
  };
  const start = medianOf('ceiling');
  const end = medianOf('ceiling-end');
  if (start === undefined || end === undefined) return undefined;
  return { start, end, share: Math.abs(start - end) / Math.max(start, end) };
}

/** The Method section's sentence on the ceiling's drift, when it was measured twice. */
function driftSentence(report: BenchReport): string {
  const drift = ceilingDrift(report);
  if (drift === undefined) return '';
  const figures = `The ceiling's median was ${fmtInt(drift.start)} req/s at the start and ${fmtInt(drift.end)} at the end`;
  if (drift.share <= CEILING_DRIFT) return ` ${figures}.`;
  return (
    ` **${figures}: the machine's speed moved by ${Math.round(drift.share * 100)}% during the run**, so a ratio may be off` +
    ' by up to that much, depending on when its scenario ran; CPU us/req moves with it too. Compare changes by pairs' +
    ' measured one after the other (`--variants`), not across runs.'
  );
}

/** The ceiling's server CPU time per request (median of its runs), for the CPU-based ratio. */
export function ceilingCpuUs(report: BenchReport): number | undefined {
  const values = report.results
    .filter((r) => r.id.startsWith('ceiling'))
    .flatMap((r) => r.runs)
    .map((r) => r.serverCpuUsPerRequest)
    .filter((v): v is number => v !== undefined);
  return values.length > 0 ? median(values) : undefined;
}

/**
 * Requests per second relative to the ceiling if both had core 0 to themselves and were limited by it: the ceiling's
 * CPU time per request over the scenario's. Shown beside the measured ratio; on a busy machine it is the steadier one.
 */
function cpuRatio(report: BenchReport, s: Summary): number | undefined {
  const ceiling = ceilingCpuUs(report);
  return ceiling !== undefined && s.cpuUsPerRequest !== undefined ? ceiling / s.cpuUsPerRequest : undefined;
}

export interface TargetRow {
  target: string;
  measured: string;
  pass: boolean | undefined;
}

const find = (report: BenchReport, id: string) => report.results.find((r) => r.id === id);
const fmtRatio = (x: number) => `${x < 0.1 ? x.toFixed(3) : x.toFixed(2)}x`;
const fmtMs = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
const fmtInt = (x: number) => Math.round(x).toLocaleString('en-US');
const mb = (bytes: number) => `${Math.round(bytes / (1024 * 1024))} MB`;

/** The issue's targets, each with what this run measured and whether it holds (undefined: not measured). */
export function evaluateTargets(report: BenchReport): TargetRow[] {
  const ceiling = ceilingRps(report);
  const rows: TargetRow[] = [];
  const measured = (id: string) => {
    const r = find(report, id);
    return r ? summarize(r) : undefined;
  };
  const na = (target: string, why = 'not measured in this mode') => rows.push({ target, measured: why, pass: undefined });

  for (const engine of ['sqlite', 'postgres'] as const) {
    const name = engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    const cached = measured(`${engine}-1k-verify-cached`);
    const target = `Cached verify with a root key (${name}, 1k keys): >= 0.6x ceiling, p99 <= 10 ms`;
    if (cached && ceiling) {
      const ratio = cached.rps / ceiling;
      const cpu = cpuRatio(report, cached);
      rows.push({
        target,
        measured:
          `${fmtRatio(ratio)} (${fmtInt(cached.rps)} of ${fmtInt(ceiling)} req/s), p99 ${fmtMs(cached.p99Ms)} ms` +
          (cpu !== undefined ? `; by CPU time ${fmtRatio(cpu)}` : ''),
        pass: ratio >= 0.6 && cached.p99Ms <= 10,
      });
    } else na(target);
  }

  const credits = measured('sqlite-1k-verify-credits');
  if (credits && ceiling) {
    const ratio = credits.rps / ceiling;
    const cpu = cpuRatio(report, credits);
    rows.push({
      target: 'Verify with credits on SQLite: >= 0.4x ceiling',
      measured: `${fmtRatio(ratio)} (${fmtInt(credits.rps)} req/s)${cpu !== undefined ? `; by CPU time ${fmtRatio(cpu)}` : ''}`,
      pass: ratio >= 0.4,
    });
  } else na('Verify with credits on SQLite: >= 0.4x ceiling');

  const peer = measured('peer-verify');
  const cached = measured('sqlite-1k-verify-cached');
  if (peer && cached) {
    const times = cached.rps / peer.rps;
    const cpu =
      peer.cpuUsPerRequest !== undefined && cached.cpuUsPerRequest !== undefined
        ? peer.cpuUsPerRequest / cached.cpuUsPerRequest
        : undefined;
    rows.push({
      target: "At least 10x the peer's verify throughput (SQLite both)",
      measured: `${times.toFixed(1)}x (${fmtInt(cached.rps)} vs ${fmtInt(peer.rps)} req/s)${cpu !== undefined ? `; by CPU time ${cpu.toFixed(1)}x` : ''}`,
      pass: times >= 10,
    });
  } else na("At least 10x the peer's verify throughput (SQLite both)");

  for (const engine of ['sqlite', 'postgres'] as const) {
    const name = engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    const big = report.results.filter((r) => r.engine === engine && r.stored === 1_000_000 && r.runs.length > 0);
    const memTarget = `1,000,000 stored keys (${name}): peak memory <= 512 MB`;
    if (big.length > 0) {
      const peak = Math.max(...big.map((r) => r.peakRssBytes ?? 0));
      const worst = big.find((r) => r.peakRssBytes === peak);
      const kinds =
        worst?.peakRssAnonBytes !== undefined && worst.peakRssFileBytes !== undefined
          ? `; anon ${mb(worst.peakRssAnonBytes)}, file ${mb(worst.peakRssFileBytes)}`
          : '';
      rows.push({ target: memTarget, measured: `${mb(peak)} (largest, in "${worst?.label}"${kinds})`, pass: peak <= 512 * 1024 * 1024 });
    } else na(memTarget, 'full mode only');
    const tputTarget = `1,000,000 stored keys (${name}): cached verify within 10% of the 1,000-key figure`;
    const small = measured(`${engine}-1k-verify-cached`);
    const large = measured(`${engine}-1M-verify-cached`);
    if (small && large) {
      const ratio = large.rps / small.rps;
      const cpu =
        large.cpuUsPerRequest !== undefined && small.cpuUsPerRequest !== undefined
          ? `; CPU ${Math.round(large.cpuUsPerRequest)} vs ${Math.round(small.cpuUsPerRequest)} us/req`
          : '';
      rows.push({
        target: tputTarget,
        measured: `${(ratio * 100).toFixed(0)}% (${fmtInt(large.rps)} vs ${fmtInt(small.rps)} req/s)${cpu}`,
        pass: ratio >= 0.9,
      });
    } else na(tputTarget, 'full mode only');
  }
  return rows;
}

/** Issue 14's analytics targets, each with what this run measured. */
export function evaluateAnalyticsTargets(report: BenchReport): TargetRow[] {
  const rows: TargetRow[] = [];
  const measured = (id: string) => {
    const r = find(report, id);
    return r ? summarize(r) : undefined;
  };
  for (const engine of ['sqlite', 'postgres'] as const) {
    const name = engine === 'sqlite' ? 'SQLite' : 'PostgreSQL';
    const on = measured(`${engine}-1k-verify-cached`);
    const off = measured(`${engine}-1k-verify-cached-analytics-off`);
    const target = `Cached verify with analytics on within 5% of off (${name}, 1k keys)`;
    if (on && off) {
      const ratio = on.rps / off.rps;
      const cpu =
        on.cpuUsPerRequest !== undefined && off.cpuUsPerRequest !== undefined
          ? `; CPU ${Math.round(on.cpuUsPerRequest)} vs ${Math.round(off.cpuUsPerRequest)} us/req (${((off.cpuUsPerRequest / on.cpuUsPerRequest) * 100).toFixed(0)}%)`
          : '';
      // The process's CPU decides the target (one core, as measured); the main thread's says what a host whose
      // analytics writer has a core of its own would see.
      const mainThread =
        on.mainThreadCpuUsPerRequest !== undefined && off.mainThreadCpuUsPerRequest !== undefined
          ? `; main thread ${Math.round(on.mainThreadCpuUsPerRequest)} vs ${Math.round(off.mainThreadCpuUsPerRequest)} us/req (${((off.mainThreadCpuUsPerRequest / on.mainThreadCpuUsPerRequest) * 100).toFixed(0)}%)`
          : '';
      rows.push({
        target,
        measured: `${(ratio * 100).toFixed(0)}% (${fmtInt(on.rps)} vs ${fmtInt(off.rps)} req/s)${cpu}${mainThread}`,
        pass: ratio >= 0.95,
      });
    } else rows.push({ target, measured: 'not measured in this mode', pass: undefined });

    const sustained = report.results.find((r) => r.id === `${engine}-1k-verify-sustained`)?.analytics;
    const eventsTarget = `Full cached-verify rate without a pause, no event dropped or failed (${name})`;
    if (sustained) {
      rows.push({
        target: eventsTarget,
        measured:
          `${fmtInt(sustained.eventsPerSecond)} events/s written over ${sustained.loadSeconds} s (${fmtInt(sustained.written)} events for ` +
          `${fmtInt(sustained.requests)} answers), ${fmtInt(sustained.dropped)} dropped, ${fmtInt(sustained.failed)} failed` +
          (off
            ? `; the rate with analytics on, ${((sustained.requests / sustained.loadSeconds / off.rps) * 100).toFixed(0)}% of the analytics-off req/s`
            : ''),
        pass: sustained.dropped === 0 && sustained.failed === 0 && sustained.written >= sustained.requests,
      });
    } else rows.push({ target: eventsTarget, measured: 'not measured in this mode', pass: undefined });

    const queries = report.analyticsQueries?.find((q) => q.engine === engine);
    for (const [i, what] of ['per-key count by outcome', 'per-day usage series of an API'].entries()) {
      const q = queries?.queries[i];
      const target = `${what}, 30 days, p50 < 100 ms (${name}${queries ? `, ${fmtInt(queries.events)} stored events` : ''})`;
      if (q) rows.push({ target, measured: `p50 ${fmtMs(q.p50Ms)} ms, p99 ${fmtMs(q.p99Ms)} ms`, pass: q.p50Ms < 100 });
      else rows.push({ target, measured: 'not measured in this run', pass: undefined });
    }
  }
  return rows;
}

const MANUAL_START = '<!-- manual:start -->';
const MANUAL_END = '<!-- manual:end -->';
const DEFAULT_MANUAL = `${MANUAL_START}
## Profiling and fixes

(Nothing recorded yet. This section is kept as written when the report is regenerated.)
${MANUAL_END}`;

/** Peak RSS (VmHWM) and, when sampled, the peaks of its anonymous and file-backed parts. */
function rssCell(r: ScenarioResult): string {
  if (!r.peakRssBytes) return '';
  if (r.peakRssAnonBytes === undefined || r.peakRssFileBytes === undefined) return mb(r.peakRssBytes);
  return `${mb(r.peakRssBytes)}<br><sub>anon ${mb(r.peakRssAnonBytes)}, file ${mb(r.peakRssFileBytes)}</sub>`;
}

function table(report: BenchReport, results: ScenarioResult[], ceiling: number | undefined): string {
  const lines = [
    '| Scenario | req/s (median) | min - max | x ceiling | p50 ms | p99 ms | max ms | peak RSS | server CPU | CPU us/req | x ceiling (CPU) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const s = summarize(r);
    const label = r.note ? `${r.label}<br><sub>${r.note}</sub>` : r.label;
    if (!s) {
      lines.push(`| ${label} | set up and checked only | | | | | | ${rssCell(r)} | | | |`);
      continue;
    }
    const flag = s.wrong + s.socketErrors > 0 ? ` (${s.wrong} wrong answers, ${s.socketErrors} socket errors or 5 s timeouts)` : '';
    lines.push(
      `| ${label}${flag} | ${fmtInt(s.rps)} | ${fmtInt(s.min)} - ${fmtInt(s.max)} | ${ceiling ? fmtRatio(s.rps / ceiling) : ''} | ` +
        `${fmtMs(s.p50Ms)} | ${fmtMs(s.p99Ms)} | ${fmtMs(s.maxMs)} | ${rssCell(r)} | ` +
        `${s.serverCpu !== undefined ? `${Math.round(s.serverCpu * 100)}%` : ''} | ${s.cpuUsPerRequest !== undefined ? Math.round(s.cpuUsPerRequest) : ''} | ` +
        `${cpuRatio(report, s) !== undefined ? fmtRatio(cpuRatio(report, s)!) : ''} |`,
    );
    const beside = r.companion && summarize({ ...r, runs: r.companion.runs });
    if (r.companion && beside) {
      lines.push(
        `| &nbsp;&nbsp;${r.companion.label} | ${fmtInt(beside.rps)} | ${fmtInt(beside.min)} - ${fmtInt(beside.max)} | | ` +
          `${fmtMs(beside.p50Ms)} | ${fmtMs(beside.p99Ms)} | ${fmtMs(beside.maxMs)} | | | | |`,
      );
    }
  }
  return lines.join('\n');
}

/** The Markdown report. The hand-written section (between the manual markers) of `previous` is kept. */
export function renderReport(report: BenchReport, previous?: string): string {
  const env = report.environment;
  const ceiling = ceilingRps(report);
  const o = report.options;
  const load = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const manualMatch = previous ? new RegExp(`${MANUAL_START}[\\s\\S]*?${MANUAL_END}`).exec(previous) : null;
  const manual = manualMatch ? manualMatch[0] : DEFAULT_MANUAL;

  const out: string[] = [];
  out.push('# Keyward benchmark results', '');
  out.push(
    `Generated by \`npm run bench${report.mode === 'full' ? '' : ` -- --${report.mode}`}\` on ${env.date.slice(0, 10)} ` +
      `(${env.date.slice(11, 16)} UTC) in ${Math.round(report.elapsedSeconds)} s. Regenerate with the same command; ` +
      'the "Profiling and fixes" section is kept as written.',
    '',
  );
  out.push('## Machine', '');
  out.push(`- CPU: ${env.cpuModel}, ${env.cores} cores; memory ${(env.memoryBytes / 1024 ** 3).toFixed(1)} GiB; ${env.kernel}`);
  out.push(
    `- Load average (1 / 5 / 15 min) at the start: ${load(env.loadAverageStart)}; at the end: ${load(env.loadAverageEnd)}. ` +
      'The benchmark itself keeps two processes busy (the server and wrk), so about 2 is a quiet machine; well above that, ' +
      'other work competed with them and req/s figures are lower and noisier (CPU us/req much less so).',
  );
  out.push(
    `- Versions: ${Object.entries(env.versions)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    '',
  );

  out.push('## Method', '');
  out.push(
    `- Load: wrk (1 thread, ${o.connections} keep-alive connections, \`bench/wrk/post.lua\`) pinned to core 1 (\`taskset -c 1\`); ` +
      'every server (the ceiling, Keyward, the peer) alone on core 0 (`taskset -c 0`), a fresh process per scenario; loopback only. ' +
      'PostgreSQL and Redis are not pinned.',
    `- Per scenario: ${o.warmup} s of warm-up (discarded), then ${o.runs} run(s) of ${o.seconds} s. req/s is the median of the runs with ` +
      "their min and max; p50 and p99 are medians of the runs' percentiles; max is the largest latency of any run. wrk measures " +
      'latency from when it sends each request (closed loop), so it understates tail latency under saturation. The first request ' +
      "waits 50 ms, until the server has accepted every connection, and that pause is not in the run's time: Node accepts one " +
      'connection per turn of its event loop, so requests sent at once would time how long the later connections wait to be ' +
      'accepted (docs/decisions/0045-steady-state-latency.md).',
    '- "x ceiling" divides by the median of all runs of the bare node:http ceiling measured in this same run' +
      (report.mode === 'full' ? ' (at the start and again at the end).' : '.') +
      driftSentence(report),
    '- Every answer is checked by the Lua script (status 200 and an expected substring such as `"valid":true`); a row with wrong ' +
      "answers says so. Peak RSS is the server's VmHWM from /proc/<pid>/status at the end of the scenario (warm-up included); " +
      'under it, the largest RssAnon (heap and other anonymous memory) and RssFile (mapped files: the code, and the SQLite ' +
      'file read through its memory map) sampled every 200 ms; the two peaks need not coincide. ' +
      'Server CPU is the share of core 0 the server process used during the run (user + system time from /proc/<pid>/stat): ' +
      'below 100% means it was starved or waiting. CPU us/req is that time per answered request; it moves little when other ' +
      'work competes for the machine, so it is the figure to compare fixes by on a busy machine. "x ceiling (CPU)" is the ' +
      "ceiling's CPU us/req over the scenario's: the ratio the two would reach if each had core 0 to itself and were " +
      'limited by it. Pass and miss are judged on the measured req/s ratio, as the issue asks.',
    `- Keyward runs as \`keyward start\` from ${o.fromSrc ? 'src/ through tsx' : 'the built dist/'}, with its defaults (100,000-entry key ` +
      'cache, log level warn). The SQLite scenarios are one node (memory limiter); the PostgreSQL scenarios are configured as for many ' +
      'nodes, with KEYWARD_REDIS_URL, so rate limits go through the Redis limiter. Every verification authenticates a root key ' +
      '(`Authorization: Bearer`). Bulk keys are inserted with SQL, not through HTTP; keys with credits, a rate limit or permissions are made ' +
      'through keys.createKey.',
    '- The peer: better-auth 1.7.5 with @better-auth/api-key 1.7.5 on better-sqlite3 in WAL mode (synchronous = NORMAL, like Keyward), ' +
      'its default per-key rate limit (10 a day) and its global rate limit off, `auth.api.verifyApiKey` behind a node:http handler ' +
      "(`bench/servers/peer.mjs`). It reads and then writes the key's row on every verification.",
    '',
  );

  out.push('## Targets (issue 6)', '');
  out.push('| Target | Measured | Result |', '| --- | --- | --- |');
  for (const t of evaluateTargets(report)) {
    const verdict =
      t.pass === undefined ? 'not measured' : report.mode === 'smoke' ? 'not judged (smoke run)' : t.pass ? 'pass' : '**miss**';
    out.push(`| ${t.target} | ${t.measured} | ${verdict} |`);
  }
  out.push('');

  out.push('## Analytics (issue 14)', '');
  out.push(
    '- On and off: "cached key, 1k stored" runs with analytics on (the default) and the scenario after it with ' +
      '`KEYWARD_ANALYTICS=off`, on the same database, one after the other; the ratio is on over off (req/s), with CPU us/req ' +
      "beside it. The recorder's SQLite writer thread runs on core 0 with the server, so its work counts against the server.",
    '- Sustained events: cached verification at full rate for ' +
      `${report.mode === 'full' ? '60' : o.seconds} s without a warm-up; \`keyward_analytics_events_total{kind="verification"}\` is read from /metrics ` +
      'before the load and again once `keyward_analytics_buffer_events` is back to 0 after it. Events per second is what was written ' +
      'over the seconds of load.',
    '- Query latency: verification events (bench/lib/analytics-events.ts) spread evenly over the last 30 days, 10,000 keys over ' +
      "10 APIs, 90% VALID, some tagged, some with an identity, stored by the bench's bulk loader (set-based SQL, the rollups " +
      "filled from the raw rows, then ANALYZE; held equal to the store's `write()` by test/bench-analytics-bulk.test.ts) or, with " +
      '`--analytics-loader write`, by `write()` in batches of 20,000; then each query is ' +
      'called through `analytics.getVerifications` (in-process HTTP injection: route, translation, store) after 3 unmeasured calls, ' +
      'one at a time. The per-key query reads the raw events, the per-day series the day rollup.',
    '',
  );
  out.push('| Target | Measured | Result |', '| --- | --- | --- |');
  for (const t of evaluateAnalyticsTargets(report)) {
    const verdict =
      t.pass === undefined ? 'not measured' : report.mode === 'smoke' ? 'not judged (smoke run)' : t.pass ? 'pass' : '**miss**';
    out.push(`| ${t.target} | ${t.measured} | ${verdict} |`);
  }
  out.push('');
  for (const q of report.analyticsQueries ?? []) {
    out.push(
      `${q.engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'}: ${fmtInt(q.events)} events stored in ${q.insertSeconds.toFixed(0)} s ` +
        `(${fmtInt(q.events / q.insertSeconds)} events/s ` +
        (q.loader === 'bulk'
          ? `by the bench's bulk loader, bench/lib/analytics-bulk.ts: raw rows and indexes ${q.bulk?.rawSeconds.toFixed(0)} s, rollups ${q.bulk?.rollupSeconds.toFixed(0)} s, ANALYZE ${q.bulk?.analyzeSeconds.toFixed(0)} s`
          : 'through write()') +
        '; spread keys: about one rollup row per event at the minute grain)' +
        // Reports saved before the size was measured (--render of an older RESULTS.json) have none.
        (typeof q.storedBytes === 'number'
          ? `; the verification tables then take ${fmtInt(q.storedBytes / 1e6)} MB, ${fmtInt(q.storedBytes / 1e6 / (q.events / 1e6))} MB per million events.`
          : '.'),
      '',
      '| Query | p50 ms | p99 ms | rows |',
      '| --- | ---: | ---: | ---: |',
      ...q.queries.map((x) => `| ${x.label}<br><sub>\`${x.query}\`</sub> | ${fmtMs(x.p50Ms)} | ${fmtMs(x.p99Ms)} | ${x.rows} |`),
      '',
    );
  }

  const dashboard = report.dashboardLoad;
  if (dashboard) {
    out.push(
      '## Dashboard (issue 15)',
      '',
      `The sign-in page, what a visitor meets first, loaded by chromium into a fresh browser context (nothing cached) ${dashboard.samples} ` +
        'times, timed from the navigation until its Email field takes typing (bench/lib/dashboard-load.ts); the baseline is a ' +
        'navigation to the bare node:http server in the same browser and run.',
      '',
      '| Target | Measured | Result |',
      '| --- | --- | --- |',
      `| First page interactive in under 1 s | p50 ${fmtMs(dashboard.signIn.p50Ms)} ms, p90 ${fmtMs(dashboard.signIn.p90Ms)} ms ` +
        `(${fmtRatio(dashboard.signIn.p50Ms / dashboard.baseline.p50Ms)} the bare document's ${fmtMs(dashboard.baseline.p50Ms)} ms; ` +
        `${dashboard.requests} requests, ${fmtInt(dashboard.bytes / 1024)} KiB) | ` +
        `${report.mode === 'smoke' ? 'not judged (smoke run)' : dashboard.signIn.p90Ms < 1000 ? 'pass' : '**miss**'} |`,
      '',
    );
  }

  const groups: string[] = [];
  for (const r of report.results) if (!groups.includes(r.group)) groups.push(r.group);
  for (const group of groups) {
    out.push(`## ${group}`, '');
    out.push(
      table(
        report,
        report.results.filter((r) => r.group === group),
        ceiling,
      ),
      '',
    );
  }

  const sizes = [...new Set(report.results.map((r) => r.stored).filter((s): s is number => s !== undefined))].sort((a, b) => a - b);
  if (sizes.length > 1) {
    out.push('## Stored keys', '');
    out.push('Cached and cold verification as the store grows (req/s median, x ceiling, peak RSS).', '');
    out.push(
      `| Scenario | ${sizes.map((s) => `${s.toLocaleString('en-US')} keys`).join(' | ')} |`,
      `| --- |${sizes.map(() => ' ---: |').join('')}`,
    );
    for (const engine of ['sqlite', 'postgres'] as const) {
      for (const kind of ['cached', 'cold'] as const) {
        const cells = sizes.map((size) => {
          const r = report.results.find((x) => x.engine === engine && x.stored === size && x.id.endsWith(`verify-${kind}`));
          const s = r && summarize(r);
          return s ? `${fmtInt(s.rps)} (${ceiling ? fmtRatio(s.rps / ceiling) : ''}), ${rssCell(r)}` : '';
        });
        if (cells.some(Boolean)) out.push(`| ${engine === 'sqlite' ? 'SQLite' : 'PostgreSQL'} ${kind} | ${cells.join(' | ')} |`);
      }
    }
    out.push('');
  }

  out.push(manual, '');
  return out.join('\n');
}
