// Loaded into a Keyward server by `npm run bench -- --timeline DIR` (node --import): what each request waited for.
// Per connection, when each request was parsed (Node's 'request' event) and when its answer was flushed ('finish');
// the timer's lateness (how long the event loop or the process did not run); and each garbage collection.
// bench/timeline-summary.ts reads the file. It costs a closure per request and a 5 ms timer, so it is for finding
// where latency goes, not for CPU figures. Written to DIR/<pid>.json when the server exits (the bench stops it with
// SIGTERM and waits up to 15 s): written every second, the JSON of a growing run blocked the event loop longer each
// time (30 ms 4 s into a cached-verify load, 139 ms at 15 s), and those stalls became the p99 it was meant to explain.
import { mkdirSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { PerformanceObserver, performance } from 'node:perf_hooks';

const dir = process.env.BENCH_TIMELINE_DIR ?? '.';
mkdirSync(dir, { recursive: true });
const out = join(dir, `${process.pid}.json`);
const t0 = performance.now();
const now = () => performance.now() - t0;
/** [connection number, parsed at, flushed at] in ms since start. */
const requests = [];
/** [connection number, accepted at] and [connection number, closed at]. */
const connections = [];
const closes = [];
/** [at, ms late] of a 5 ms timer, when more than 2 ms late. */
const lateness = [];
/** [started at, duration ms, kind] (kind: 1 scavenge, 2 minor mark-sweep, 4 mark-sweep-compact, ...). */
const collections = [];

let connectionCount = 0;
const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function (event, first, second) {
  if (event === 'connection') {
    const number = ++connectionCount;
    first.benchConnection = number;
    connections.push([number, now()]);
    first.once('close', () => closes.push([number, now()]));
  } else if (event === 'request') {
    const parsed = now();
    const number = first.socket.benchConnection;
    second.once('finish', () => requests.push([number, parsed, now()]));
  }
  // biome-ignore lint/complexity/noArguments: every argument the event has, as given
  return emit.apply(this, arguments);
};

const TICK = 5;
let last = performance.now();
setInterval(() => {
  const at = performance.now();
  const late = at - last - TICK;
  if (late > 2) lateness.push([at - t0, late]);
  last = at;
}, TICK).unref();
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) collections.push([entry.startTime - t0, entry.duration, entry.detail?.kind]);
}).observe({ entryTypes: ['gc'] });
process.once('exit', () => writeFileSync(out, JSON.stringify({ requests, connections, closes, lateness, collections })));
