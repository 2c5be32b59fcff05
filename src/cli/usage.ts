import { bucketStarts, type ChartScope, timeseriesQuery } from '../analytics/charts.js';
import { openAnalyticsStore, retentionOf } from '../analytics/open.js';
import type { RollupGrain } from '../analytics/schema.js';
import type { Config } from '../config.js';
import { MAX_BUCKETS, type TimeseriesPoint, timeseriesPoints } from '../services/analytics-charts.js';
import { openMainStore } from '../storage/open-configured.js';
import type { Store } from '../storage/store.js';
import type { CommandArgs } from './command.js';
import { usageOf } from './help.js';
import { usageCli } from './commands.js';

const UNIT_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000 };
const GRAINS: readonly RollupGrain[] = ['minute', 'hour', 'day', 'month'];
/** The refusal outcomes, in the order the table shows them (when any bucket has one). */
const REFUSALS = [
  ['notFound', 'not found'],
  ['forbidden', 'forbidden'],
  ['insufficientPermissions', 'insufficient perms'],
  ['usageExceeded', 'usage exceeded'],
  ['rateLimited', 'rate limited'],
  ['disabled', 'disabled'],
  ['expired', 'expired'],
] as const;
const CHART_WIDTH = 60;

/** Exit codes: 0 printed, 1 an unknown API, key or identity in the workspace, 2 a malformed command line. */
export async function usageCommand(config: Readonly<Config>, args: CommandArgs): Promise<number> {
  const refuse = (message: string) => {
    process.stderr.write(`keyward: ${message}\nusage: ${usageOf(usageCli)}\n`);
    return 2;
  };
  const subjects = [args.api, args.key, args.identity].filter((s) => s !== undefined);
  if (args.workspace === undefined) return refuse('usage needs --workspace');
  if (subjects.length !== 1) return refuse('usage needs exactly one of --api, --key and --identity');
  const since = /^([1-9][0-9]{0,5})([mhd])$/.exec(args.since ?? '7d');
  if (!since) return refuse(`--since takes a count and a unit m, h or d (e.g. 24h, 7d), not "${args.since}"`);
  const sinceMs = Number(since[1]) * UNIT_MS[since[2]!]!;
  const grain = (args.interval ?? (sinceMs <= 86_400_000 ? 'hour' : 'day')) as RollupGrain;
  if (!GRAINS.includes(grain)) return refuse(`--interval is one of ${GRAINS.join(', ')}, not "${args.interval}"`);
  const end = Date.now();
  const range = { start: end - sinceMs, end };
  const buckets = bucketStarts(range, grain, MAX_BUCKETS);
  if (buckets.length > MAX_BUCKETS)
    return refuse(`--since ${args.since} holds more than ${MAX_BUCKETS} ${grain} buckets: use a larger --interval`);

  // As the chart endpoint refuses it (services/analytics-charts.ts): zeros from a pruned range would read as no use.
  const keptMs = retentionOf(config)[grain];
  if (keptMs > 0 && range.start < end - keptMs) {
    const days = config.analyticsRetentionDays[grain];
    return refuse(
      `--since ${args.since ?? '7d'} starts before what the ${grain} rollup keeps (${days} days, KEYWARD_ANALYTICS_${grain.toUpperCase()}_RETENTION_DAYS): use a shorter --since or a larger --interval`,
    );
  }

  const store = await openMainStore(config);
  try {
    const scope = await scopeOf(store, args.workspace, args);
    if (typeof scope === 'string') {
      process.stderr.write(`keyward: ${scope}\n`);
      return 1;
    }
    const analytics = await openAnalyticsStore(config);
    let rows: Record<string, unknown>[];
    try {
      rows = await analytics.query(timeseriesQuery(store.engine, scope, range, grain), {
        timeoutMs: config.analyticsQueryTimeoutMs,
        maxRows: MAX_BUCKETS,
      });
    } finally {
      await analytics.close();
    }
    const points = timeseriesPoints(buckets, rows);
    process.stdout.write(args.json ? points.map((p) => `${JSON.stringify(p)}\n`).join('') : `${table(points)}\n${chart(points)}`);
    return 0;
  } finally {
    await store.close();
  }
}

/** The rollup filter for the one subject named, or why it is not in the workspace. */
async function scopeOf(store: Store, workspaceId: string, args: CommandArgs): Promise<ChartScope | string> {
  if (args.api !== undefined) {
    if (!(await store.findApi(workspaceId, args.api))) return `no API "${args.api}" in workspace "${workspaceId}"`;
    return { workspaceId, apiIds: [args.api] };
  }
  if (args.key !== undefined) {
    if (!(await store.findKey(workspaceId, args.key))) return `no key "${args.key}" in workspace "${workspaceId}"`;
    return { workspaceId, apiIds: null, keyId: args.key };
  }
  const identity = await store.findIdentity(workspaceId, args.identity!);
  if (!identity) return `no identity "${args.identity}" in workspace "${workspaceId}"`;
  return { workspaceId, apiIds: null, identityId: identity.id };
}

/** Bucket start, total, valid, each refusal outcome some bucket has, credits spent: right-aligned columns. */
export function table(points: readonly TimeseriesPoint[]): string {
  const refusals = REFUSALS.filter(([field]) => points.some((p) => p[field] > 0));
  const header = ['bucket start (UTC)', 'total', 'valid', ...refusals.map(([, title]) => title), 'credits spent'];
  const rows = points.map((p) => [
    new Date(p.time).toISOString(),
    String(p.total),
    String(p.valid),
    ...refusals.map(([field]) => String(p[field])),
    String(p.spentCredits),
  ]);
  const widths = header.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!))).join('  ');
  return [header, ...rows].map((cells) => `${line(cells).trimEnd()}\n`).join('');
}

const EIGHTHS = ['', '▏', '▎', '▍', '▌', '▋', '▊', '▉'];

/** One bar of Unicode blocks per bucket, the largest total as wide as the terminal allows (at most 60 columns). */
export function chart(points: readonly TimeseriesPoint[], columns = process.stdout.columns): string {
  const most = Math.max(0, ...points.map((p) => p.total));
  const labels = points.map((p) => new Date(p.time).toISOString());
  const labelWidth = Math.max(0, ...labels.map((l) => l.length));
  const countWidth = String(most).length;
  const room = columns === undefined ? CHART_WIDTH : columns - labelWidth - countWidth - 4;
  const width = Math.max(1, Math.min(CHART_WIDTH, room));
  return points
    .map((p, i) => {
      const eighths = most === 0 ? 0 : Math.round((p.total / most) * width * 8);
      const bar = '█'.repeat(Math.floor(eighths / 8)) + EIGHTHS[eighths % 8];
      const text = `${labels[i]!.padEnd(labelWidth)} ${String(p.total).padStart(countWidth)} ${bar}`;
      return `${text.trimEnd()}\n`;
    })
    .join('');
}
