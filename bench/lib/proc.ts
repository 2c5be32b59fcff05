import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, createWriteStream, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** A server process under test, pinned to one core, that printed `listening on http://host:port`. */
export interface RunningServer {
  pid: number;
  url: string;
  /** Everything it printed, for error messages. */
  output(): string;
  /** How it ended, if it has ("exit code 1", "signal SIGKILL"); undefined while it runs. */
  ended(): string | undefined;
  stop(): Promise<void>;
}

const LISTENING = /listening on (http:\/\/[^\s]+)/i;

/** Every child this benchmark started and has not seen exit: killed by `killChildren` when it is interrupted. */
const children = new Set<ChildProcess>();

/** Tracks a child until it exits. */
export function track<T extends ChildProcess>(child: T): T {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGKILLs every server and wrk still running (an interrupted benchmark must leave nothing behind). */
export function killChildren(): void {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
}

/**
 * Starts `command` pinned to `cpu` with `taskset` and waits (at most `timeoutMs`) for it to print the address it
 * listens on. taskset execs the command, so the child's pid is the server's own (its /proc/<pid>/status is the one
 * read for memory).
 */
export async function startServer(
  command: string[],
  options: { cpu: number; env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number; log?: (pid: number) => string },
): Promise<RunningServer> {
  const child = track(
    spawn('taskset', ['-c', String(options.cpu), ...command], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  let output = '';
  const append = (chunk: Buffer) => {
    output += chunk.toString('utf8');
    if (output.length > 64_000) output = output.slice(-32_000);
  };
  child.stdout!.on('data', append);
  child.stderr!.on('data', append);
  if (options.log) {
    // The whole output, where `output` keeps only its end (bench/run.ts --server-log).
    const file = options.log(child.pid!);
    mkdirSync(dirname(file), { recursive: true });
    const log = createWriteStream(file);
    child.stdout!.pipe(log, { end: false });
    child.stderr!.pipe(log, { end: false });
    child.once('exit', () => log.end());
  }
  let ending: string | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      ending = signal ? `signal ${signal}` : `exit code ${code}`;
      resolve(code);
    }),
  );

  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${command.join(' ')} did not start within ${options.timeoutMs ?? 60_000} ms:\n${output}`));
    }, options.timeoutMs ?? 60_000);
    const check = () => {
      const match = LISTENING.exec(output);
      if (match) {
        clearTimeout(timer);
        child.stdout!.off('data', check);
        resolve(match[1]!.replace(/\/$/, ''));
      }
    };
    child.stdout!.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${command.join(' ')} exited with ${code} before listening:\n${output}`));
    });
  });

  return {
    pid: child.pid!,
    url,
    output: () => output,
    ended: () => ending,
    stop: () => stopProcess(child, exited),
  };
}

/** SIGTERM, then SIGKILL after 15 s (a server writing a CPU profile or flushing usage needs a moment). */
async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(timer);
}

/** Peak resident set size (VmHWM) of a live process, in bytes; undefined once it is gone. */
export function peakRss(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Resident memory of a live process (/proc/<pid>/status), in bytes: the peak total, and now anonymous and file-backed. */
export interface MemorySample {
  /** VmHWM: the most the process's resident set has ever been, all kinds together. */
  peakRss: number;
  /** RssAnon: heap, stacks and other memory no file backs, resident now. */
  rssAnon: number;
  /** RssFile: pages of mapped files resident now (the code, and a SQLite file read through mmap_size). */
  rssFile: number;
}

/** Undefined once the process is gone. */
export function memorySample(pid: number): MemorySample | undefined {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)\\s+kB`).exec(status)?.[1] ?? Number.NaN) * 1024;
    const sample = { peakRss: kb('VmHWM'), rssAnon: kb('RssAnon'), rssFile: kb('RssFile') };
    return Object.values(sample).every(Number.isFinite) ? sample : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Samples a process's memory every `everyMs` until stopped, keeping the largest RssAnon and RssFile seen: the kernel
 * keeps a peak (VmHWM) for the total only, and the two kinds matter differently (file-backed pages are the kernel's
 * reclaimable file cache, though a container's memory limit counts them too). The two maxima need not fall at the
 * same moment, so their sum can exceed VmHWM.
 */
export function sampleMemory(pid: number, everyMs = 200): { stop(): { peakRssAnon: number; peakRssFile: number } | undefined } {
  let peakRssAnon = -1;
  let peakRssFile = -1;
  const take = () => {
    const sample = memorySample(pid);
    if (!sample) return;
    peakRssAnon = Math.max(peakRssAnon, sample.rssAnon);
    peakRssFile = Math.max(peakRssFile, sample.rssFile);
  };
  take();
  const timer = setInterval(take, everyMs);
  return {
    stop: () => {
      clearInterval(timer);
      take();
      return peakRssAnon < 0 ? undefined : { peakRssAnon, peakRssFile };
    },
  };
}

/**
 * CPU time (user + system) a live process has used so far, in seconds; undefined once it is gone. With
 * `mainThread`, only its main thread's (/proc/<pid>/task/<pid>): the one that answers requests, without the worker
 * threads (the SQLite analytics writer), which on a host with more than one core run beside it.
 */
export function cpuSeconds(pid: number, { mainThread = false } = {}): number | undefined {
  try {
    const stat = readFileSync(mainThread ? `/proc/${pid}/task/${pid}/stat` : `/proc/${pid}/stat`, 'utf8');
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    return (utime + stime) / 100; // USER_HZ is 100 on Linux
  } catch {
    return undefined;
  }
}

/**
 * CPU seconds of `pid` and every process below it (the workers of `keyward start --workers N` are children of the
 * process the bench started): what the server as a whole used. Undefined once `pid` is gone.
 */
export function treeCpuSeconds(pid: number): number | undefined {
  const own = cpuSeconds(pid);
  if (own === undefined) return undefined;
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      parents.set(parent, [...(parents.get(parent) ?? []), Number(entry)]);
    } catch {
      // gone meanwhile
    }
  }
  let total = own;
  const below = [...(parents.get(pid) ?? [])];
  for (let child = below.pop(); child !== undefined; child = below.pop()) {
    total += cpuSeconds(child) ?? 0;
    below.push(...(parents.get(child) ?? []));
  }
  return total;
}

/** Runs a command to completion; rejects on a non-zero exit with its output. */
export function run(
  command: string,
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (out += c.toString('utf8')));
    const timer = options.timeoutMs ? setTimeout(() => child.kill('SIGKILL'), options.timeoutMs) : undefined;
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      if (timer) clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(' ')} failed (${code ?? signal}):\n${out.slice(-4000)}`));
    });
  });
}

/** True when `command` is on the PATH. */
export function onPath(command: string): boolean {
  const dirs = (process.env.PATH ?? '').split(':');
  return dirs.some((dir) => {
    try {
      accessSync(`${dir}/${command}`, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}
