/**
 * Summarizes a V8 .cpuprofile (written by `npm run bench -- --profile REGEX`, i.e. node --cpu-prof): the functions
 * with the most self time, and the most inclusive time, as text. Open the file itself in Chrome DevTools
 * (Performance > Load profile) or speedscope for the flame graph.
 *
 *   npx tsx bench/profile-summary.ts bench/profiles/<file>.cpuprofile [--top 30] [--match REGEX]
 */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface Row {
  name: string;
  selfMs: number;
  totalMs: number;
  selfShare: number;
  totalShare: number;
}

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.startsWith('file://') ? relative(ROOT, fileURLToPath(url)) : url;
  return `${functionName || '(anonymous)'} ${file ? `${file}:${lineNumber + 1}` : ''}`.trim();
}

/** Self and inclusive time per function (merged by name and location), largest self time first. */
export function summarizeProfile(profile: CpuProfile): { rows: Row[]; totalMs: number; idleMs: number } {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  const totalUs = profile.timeDeltas.reduce((a, b) => a + b, 0);

  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let idleUs = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id)!;
    const name = frameName(node);
    if (node.callFrame.functionName === '(idle)') idleUs += us;
    self.set(name, (self.get(name) ?? 0) + us);
    // Inclusive: every distinct function on the stack gets the sample once.
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const n = frameName(byId.get(cur)!);
      if (seen.has(n)) continue;
      seen.add(n);
      total.set(n, (total.get(n) ?? 0) + us);
    }
  }
  const busyUs = totalUs - idleUs;
  const rows = [...total.keys()]
    .filter((name) => !name.startsWith('(idle)') && !name.startsWith('(root)'))
    .map((name) => ({
      name,
      selfMs: (self.get(name) ?? 0) / 1000,
      totalMs: (total.get(name) ?? 0) / 1000,
      selfShare: (self.get(name) ?? 0) / busyUs,
      totalShare: (total.get(name) ?? 0) / busyUs,
    }));
  rows.sort((a, b) => b.selfMs - a.selfMs);
  return { rows, totalMs: totalUs / 1000, idleMs: idleUs / 1000 };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const args = process.argv.slice(2);
  const file = args.find((a) => !a.startsWith('--') && !/^\d+$/.test(a));
  if (!file) {
    process.stderr.write('usage: tsx bench/profile-summary.ts <file.cpuprofile> [--top N] [--match REGEX]\n');
    process.exit(2);
  }
  const topIndex = args.indexOf('--top');
  const top = topIndex >= 0 ? Number(args[topIndex + 1]) : 30;
  const matchIndex = args.indexOf('--match');
  const match = matchIndex >= 0 ? new RegExp(args[matchIndex + 1]!) : undefined;
  const { rows, totalMs, idleMs } = summarizeProfile(JSON.parse(readFileSync(file, 'utf8')) as CpuProfile);
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  process.stdout.write(`${file}: ${totalMs.toFixed(0)} ms sampled, ${idleMs.toFixed(0)} ms idle; shares are of the busy time\n\n`);
  process.stdout.write('  self   total  function\n');
  for (const r of rows.filter((r) => !match || match.test(r.name)).slice(0, top)) {
    process.stdout.write(`${pct(r.selfShare)} ${pct(r.totalShare)}  ${r.name}\n`);
  }
  process.stdout.write('\nLargest inclusive (total) time:\n');
  for (const r of [...rows]
    .sort((a, b) => b.totalMs - a.totalMs)
    .filter((r) => !match || match.test(r.name))
    .slice(0, top)) {
    process.stdout.write(`${pct(r.selfShare)} ${pct(r.totalShare)}  ${r.name}\n`);
  }
}
