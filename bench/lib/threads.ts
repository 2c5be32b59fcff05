import { readdirSync, readFileSync } from 'node:fs';

/**
 * CPU time per thread of a live Node process, from /proc/<pid>/task/<tid>/stat: where a server's CPU goes beyond its
 * main thread (the analytics writer thread, V8's platform threads that do parallel and concurrent GC and compile, the
 * libuv pool). Node 20 names every thread "node", so threads are told apart by the order they started in: the main
 * thread (tid = pid), then the platform's threads, which Node starts first (four workers and a delayed-task
 * scheduler with the default --v8-pool-size), then the rest in creation order (the SIGUSR1 watcher, the libuv pool
 * when first used, worker threads such as the analytics writer, started at its first write).
 */

export const PLATFORM_THREADS = 5;

/** CPU seconds (user + system) per thread id, in thread-id order; empty once the process is gone. */
export function threadCpuSeconds(pid: number): Map<number, number> {
  const threads = new Map<number, number>();
  let tids: number[];
  try {
    tids = readdirSync(`/proc/${pid}/task`)
      .map(Number)
      .sort((a, b) => a - b);
  } catch {
    return threads;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads.set(tid, (Number(fields[11]) + Number(fields[12])) / 100); // USER_HZ is 100 on Linux
    } catch {
      // ended meanwhile
    }
  }
  return threads;
}

/** The largest thread id plus one: ids are handed out in increasing order and start again from the bottom past it. */
function pidMax(): number {
  try {
    return Number(readFileSync('/proc/sys/kernel/pid_max', 'utf8'));
  } catch {
    return 4_194_304;
  }
}

/**
 * The label of each thread: `main`, `platform` (V8's threads: GC helpers, concurrent compile) or `thread <n>` by start
 * order. Start order is id order counted from the process's own id, around `limit`: on a machine that has run many
 * processes (32,768 ids here) a thread started later can have a smaller id than the main thread.
 */
export function threadLabels(pid: number, tids: readonly number[], limit = pidMax()): Map<number, string> {
  const labels = new Map<number, string>();
  const after = (tid: number) => (((tid - pid) % limit) + limit) % limit;
  let order = 0;
  for (const tid of [...tids].sort((a, b) => after(a) - after(b))) {
    if (tid === pid) labels.set(tid, 'main');
    else if (order++ < PLATFORM_THREADS) labels.set(tid, 'platform');
    else labels.set(tid, `thread ${order - PLATFORM_THREADS}`);
  }
  return labels;
}

/**
 * CPU seconds per label between two samples (a thread absent from `first` started in between and counts whole).
 * Platform threads are added together; threads that used nothing are left out.
 */
export function threadCpuBetween(pid: number, first: Map<number, number>, last: Map<number, number>): Record<string, number> {
  const labels = threadLabels(pid, [...last.keys()]);
  const out: Record<string, number> = {};
  for (const [tid, seconds] of last) {
    const used = seconds - (first.get(tid) ?? 0);
    if (used <= 0) continue;
    const label = labels.get(tid)!;
    out[label] = (out[label] ?? 0) + used;
  }
  return out;
}
