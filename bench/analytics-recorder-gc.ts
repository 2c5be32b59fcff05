/**
 * What the analytics recorder costs the server's garbage collector (issue 14): the recorder (src/analytics/recorder.ts)
 * fed verification events at a steady rate, writing through the real SQLite analytics store and its writer thread,
 * in a heap shaped like a loaded server's (tens of MB that stay, a young generation churned by every request). Counts
 * the main thread's full mark-compacts and their pauses, and the array buffer memory held; a full GC's concurrent
 * marking runs on V8's platform threads, on the core a one-core server shares.
 *
 *   taskset -c 0 npx tsx bench/analytics-recorder-gc.ts [--seconds 30] [--rate 25000] [--root DIR] [--record no]
 *
 * `--root` measures another checkout's sources (a base to compare with, run alternately in the same minutes);
 * `--record no` makes the same requests without recording their events (what the heap does without analytics).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { constants, PerformanceObserver } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { option, pathOption } from './lib/in-process.js';

const SECONDS = Number(option('--seconds', '30'));
const RATE = Number(option('--rate', '25000'));
const ROOT = pathOption('--root') ?? join(import.meta.dirname, '..');
const RECORD = option('--record', 'yes') !== 'no';

const source = (path: string) => import(pathToFileURL(join(ROOT, 'src', path)).href);
const { AnalyticsRecorder } = await source('analytics/recorder.ts');
const { SqliteAnalyticsStore } = await source('analytics/sqlite-store.ts');

const dir = mkdtempSync(join(os.tmpdir(), 'keyward-recorder-gc-'));
const store = SqliteAnalyticsStore.open(join(dir, 'analytics.db'));
let written = 0;
const recorder = new AnalyticsRecorder((packed: { verifications: number }) => store.writePacked(packed), {
  bufferEvents: 100_000,
  flushEvents: 20_000,
  flushMs: 1_000,
  region: 'bench',
  clock: { now: () => Date.now() },
  logger: { warn() {}, error() {} },
  counts: {
    analyticsEvents(_kind: string, result: string, count: number) {
      if (result === 'written') written += count;
    },
  },
});

// A loaded server's heap: about 40 MB that stays (its modules, caches, pools) ...
const resident = Array.from({ length: 400_000 }, (_, i) => ({ id: `key_${i}`, hash: `${i}`.repeat(4), n: i }));
const keys = Array.from({ length: 1_000 }, (_, i) => `key_${i.toString().padStart(6, '0')}`);
// ... and garbage per request that mostly dies young, some of it living a few milliseconds (requests in flight).
const inFlight: unknown[] = new Array(64);
let n = 0;
function request(): void {
  const garbage = { headers: Array.from({ length: 12 }, (_, i) => `header-${i}-${n}`), body: JSON.stringify({ key: n }) };
  inFlight[n % inFlight.length] = garbage;
  n++;
  if (!RECORD) return;
  recorder.recordVerification({
    time: Date.now(),
    requestId: `req_${n.toString(36)}${'x'.repeat(16)}`,
    workspaceId: 'ws_bench',
    keySpaceId: 'api_bench',
    keyId: keys[n % keys.length]!,
    identityId: '',
    externalId: '',
    outcome: 'VALID',
    tags: [],
    spentCredits: 0,
    latency: 0.25,
    region: recorder.region,
  });
}

let majors = 0;
let majorMs = 0;
let maxMajorMs = 0;
const gcs = new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    const kind = (entry as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (kind !== constants.NODE_PERFORMANCE_GC_MAJOR) continue;
    majors++;
    majorMs += entry.duration;
    maxMajorMs = Math.max(maxMajorMs, entry.duration);
  }
});

const started = Date.now();
const end = started + SECONDS * 1000;
let arrayBuffersPeak = 0;
let warm = true;
await new Promise<void>((done) => {
  const tick = () => {
    const now = Date.now();
    if (warm && now - started > 3_000) {
      // The first seconds start the writer thread and compile the code; counted from here.
      warm = false;
      gcs.observe({ entryTypes: ['gc'] });
    }
    const due = Math.floor(((now - started) / 1000) * RATE);
    while (n < due) request();
    arrayBuffersPeak = Math.max(arrayBuffersPeak, process.memoryUsage().arrayBuffers);
    if (now < end) setTimeout(tick, 1);
    else done();
  };
  tick();
});
gcs.disconnect();
await recorder.close();
await store.close();
rmSync(dir, { recursive: true });
const measured = SECONDS - 3;
console.log(
  `${ROOT}${RECORD ? '' : ', not recording'}: ${n} events in ${SECONDS} s (${written} written); over the last ${measured} s: ${majors} full GCs ` +
    `(${((majors * 60) / measured).toFixed(1)} a minute), ${majorMs.toFixed(0)} ms of pauses, the longest ${maxMajorMs.toFixed(1)} ms; ` +
    `array buffers at most ${(arrayBuffersPeak / 2 ** 20).toFixed(1)} MB; resident objects ${resident.length}; load average ${os
      .loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}`,
);
