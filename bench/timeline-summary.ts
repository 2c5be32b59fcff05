/**
 * Summarizes a request timeline written by `npm run bench -- --timeline DIR` (bench/lib/request-timeline.mjs): where
 * the requests' time went, seen from the server.
 *
 *   npx tsx bench/timeline-summary.ts DIR/<pid>.json
 *
 * On one keep-alive connection a client sends its next request when the previous answer arrives, so per connection:
 * "cycle" (one answer flushed to the next) is about the latency the client measures; "waiting" (an answer flushed to
 * the next request parsed) is the time the request spent before the server read it (behind other connections' work,
 * or while the process did not run); "in the server" (parsed to flushed) is the handler's own time, awaits included.
 */
import { readFileSync } from 'node:fs';

interface Timeline {
  requests: [number, number, number][];
  connections: [number, number][];
  closes: [number, number][];
  lateness: [number, number][];
  collections: [number, number, number | undefined][];
}
const file = process.argv[2];
if (!file) throw new Error('usage: npx tsx bench/timeline-summary.ts FILE.json');
const t = JSON.parse(readFileSync(file, 'utf8')) as Timeline;

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))]!;
};
const line = (values: number[]) =>
  `n ${values.length}, p50 ${percentile(values, 0.5).toFixed(1)} ms, p90 ${percentile(values, 0.9).toFixed(1)}, ` +
  `p99 ${percentile(values, 0.99).toFixed(1)}, max ${values.reduce((most, v) => Math.max(most, v), Number.NEGATIVE_INFINITY).toFixed(1)}`;

const byConnection = new Map<number, [number, number, number][]>();
for (const r of t.requests) {
  const list = byConnection.get(r[0]) ?? [];
  list.push(r);
  byConnection.set(r[0], list);
}
const cycle: number[] = [];
const waiting: number[] = [];
const inServer: number[] = [];
const firstWait: number[] = [];
const accepted = new Map(t.connections);
for (const [connection, list] of byConnection) {
  list.sort((a, b) => a[1] - b[1]);
  inServer.push(...list.map((r) => r[2] - r[1]));
  const at = accepted.get(connection);
  if (at !== undefined) firstWait.push(list[0]![1] - at);
  for (let i = 1; i < list.length; i++) {
    cycle.push(list[i]![2] - list[i - 1]![2]);
    waiting.push(list[i]![1] - list[i - 1]![2]);
  }
}
const counts = [...byConnection.values()].map((l) => l.length).sort((a, b) => a - b);
const late = t.lateness.map((l) => l[1]);
const gc = t.collections.map((c) => c[1]);
const out = [
  `connections ${byConnection.size}, requests ${t.requests.length}; requests per connection min ${counts[0]}, median ${counts[counts.length >> 1]}, max ${counts.at(-1)}`,
  `cycle (about the client's latency): ${line(cycle)}`,
  `waiting before the server read it:  ${line(waiting)}`,
  `in the server (parsed to flushed):  ${line(inServer)}`,
  `a connection's first request, accepted to parsed: ${line(firstWait)}`,
  `event loop or process not running (5 ms timer > 2 ms late): ${late.length} times, ${late.reduce((a, b) => a + b, 0).toFixed(0)} ms in all, longest ${Math.max(0, ...late).toFixed(0)} ms`,
  `garbage collections: ${gc.length}, ${gc.reduce((a, b) => a + b, 0).toFixed(0)} ms in all, longest ${Math.max(0, ...gc).toFixed(1)} ms`,
];
process.stdout.write(`${out.join('\n')}\n`);
