import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { cpuSeconds, track, treeCpuSeconds } from './proc.js';
import { threadCpuBetween, threadCpuSeconds } from './threads.js';

export const WRK_SCRIPT = fileURLToPath(new URL('../wrk/post.lua', import.meta.url));

export interface LoadOptions {
  /** Full URL of the operation, e.g. http://127.0.0.1:1234/v2/keys.verifyKey */
  url: string;
  /** A file of request bodies, one JSON document a line, cycled in order. */
  bodiesFile: string;
  /** A substring every 200 answer must contain (e.g. `"valid":true`); answers without it count as mismatches. */
  expect: string;
  /** Authorization header value, if any. */
  authorization?: string;
  /** Where in the bodies file to start (so repeated runs over distinct keys do not start with the same ones). */
  offset?: number;
  seconds: number;
  connections: number;
  /** The core wrk is pinned to. */
  cpu: number;
  /** The server's pid, to measure how busy its core was. */
  serverPid?: number;
}

export interface LoadResult {
  requests: number;
  /** The seconds of load: wrk's run without the pause before its first request (bench/wrk/post.lua). */
  seconds: number;
  /** That pause, while the server accepted every connection (docs/decisions/0045-steady-state-latency.md). */
  openPauseMs: number;
  rps: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  maxMs: number;
  meanMs: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  /** Answers that were not 200 or lacked the expected substring. */
  mismatches: number;
  /** The first such answer (status and start of body), for the report. */
  sample: string;
  /** Share of one core the server used during the run (1 = a full core), and wrk likewise. */
  serverCpu?: number;
  /**
   * Server CPU time per answered request, in microseconds (serverCpu / rps). Unlike req/s it hardly moves when other
   * work competes for the machine, so it is the figure to compare fixes with on a busy machine.
   */
  serverCpuUsPerRequest?: number;
  /** The same for the server's main thread alone: what bounds its rate when worker threads have cores of their own. */
  mainThreadCpuUsPerRequest?: number;
  /** The server's CPU per answered request by thread (bench/lib/threads.ts labels), in microseconds. */
  threadCpuUsPerRequest?: Record<string, number>;
  wrkCpu?: number;
}

interface WrkJson {
  requests: number;
  duration_us: number;
  open_pause_us: number;
  p50_us: number;
  p90_us: number;
  p99_us: number;
  max_us: number;
  mean_us: number;
  errors: LoadResult['errors'];
  mismatches: number;
  sample: string;
}

/**
 * One bounded load run: wrk with one thread and `connections` keep-alive connections, pinned to its core, for
 * `seconds`. wrk stops by itself at the end of its duration; a guard kills it 20 s later should it hang.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  const args = [
    '-c',
    String(options.cpu),
    'wrk',
    '-t1',
    `-c${options.connections}`,
    `-d${options.seconds}s`,
    '--timeout',
    '5s',
    '-s',
    WRK_SCRIPT,
    options.url,
    '--',
    options.bodiesFile,
    options.expect,
    String(options.offset ?? 0),
    options.authorization ?? '',
  ];
  return new Promise((resolve, reject) => {
    const child = track(spawn('taskset', args, { stdio: ['ignore', 'pipe', 'pipe'] }));
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const guard = setTimeout(() => child.kill('SIGKILL'), (options.seconds + 20) * 1000);

    // CPU used by the server and by wrk between 0.5 s into the run and 0.5 s before its end.
    let cpu: { server?: number; mainThread?: number; wrk?: number; threads?: Record<string, number> } = {};
    const window = options.seconds - 1;
    let first: ReturnType<typeof sample> | undefined;
    const sample = () => ({
      at: performance.now(),
      threads: options.serverPid ? threadCpuSeconds(options.serverPid) : new Map<number, number>(),
      server: options.serverPid && treeCpuSeconds(options.serverPid),
      mainThread: options.serverPid && cpuSeconds(options.serverPid, { mainThread: true }),
      wrk: child.pid && cpuSeconds(child.pid),
    });
    const t1 = window > 0 ? setTimeout(() => (first = sample()), 500) : undefined;
    const t2 =
      window > 0
        ? setTimeout(
            () => {
              if (!first) return;
              const last = sample();
              const elapsed = (last.at - first.at) / 1000;
              const share = (a?: number, b?: number) => (a === undefined || b === undefined || a === 0 ? undefined : (b - a) / elapsed);
              cpu = {
                server: share(first.server || undefined, last.server || undefined),
                mainThread: share(first.mainThread || undefined, last.mainThread || undefined),
                wrk: share(first.wrk || undefined, last.wrk || undefined),
                ...(options.serverPid
                  ? {
                      threads: Object.fromEntries(
                        Object.entries(threadCpuBetween(options.serverPid, first.threads, last.threads)).map(([k, v]) => [k, v / elapsed]),
                      ),
                    }
                  : {}),
              };
            },
            (options.seconds - 0.5) * 1000,
          )
        : undefined;

    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(guard);
      if (t1) clearTimeout(t1);
      if (t2) clearTimeout(t2);
      const line = out.split('\n').find((l) => l.startsWith('BENCH_JSON '));
      if (code !== 0 || !line) {
        reject(new Error(`wrk failed (exit ${code}):\n${out.slice(-3000)}`));
        return;
      }
      const json = JSON.parse(line.slice('BENCH_JSON '.length)) as WrkJson;
      const seconds = json.duration_us / 1e6;
      resolve({
        requests: json.requests,
        seconds,
        openPauseMs: json.open_pause_us / 1000,
        rps: json.requests / seconds,
        p50Ms: json.p50_us / 1000,
        p90Ms: json.p90_us / 1000,
        p99Ms: json.p99_us / 1000,
        maxMs: json.max_us / 1000,
        meanMs: json.mean_us / 1000,
        errors: json.errors,
        mismatches: json.mismatches,
        sample: json.sample,
        ...(cpu.server !== undefined
          ? { serverCpu: cpu.server, serverCpuUsPerRequest: (cpu.server / (json.requests / seconds)) * 1e6 }
          : {}),
        ...(cpu.mainThread !== undefined ? { mainThreadCpuUsPerRequest: (cpu.mainThread / (json.requests / seconds)) * 1e6 } : {}),
        ...(cpu.threads !== undefined
          ? {
              threadCpuUsPerRequest: Object.fromEntries(
                Object.entries(cpu.threads).map(([k, share]) => [k, (share / (json.requests / seconds)) * 1e6]),
              ),
            }
          : {}),
        ...(cpu.wrk !== undefined ? { wrkCpu: cpu.wrk } : {}),
      });
    });
  });
}
