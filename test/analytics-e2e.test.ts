import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROLLUP_GRAINS, type RollupGrain } from '../src/analytics/schema.js';
import { loadConfig } from '../src/config.js';
import { TestClock } from '../src/core/clock.js';
import { createServer, type KeywardServer } from '../src/server.js';
import { type EngineName, startTestServer, type TestServer } from './harness.js';

/**
 * Analytics end to end (issue 14, "Exact counts"): 10,000 verifications with known outcomes, identities, tags and
 * credits, and a few hundred rate-limit decisions, sent over the real HTTP path with 50 in flight, on each side of a
 * month boundary (so every grain's buckets split: minute, hour, day and month). After the recorders are flushed, the
 * raw tables and every rollup hold exactly those figures, read directly and through analytics.getVerifications /
 * getRatelimits; then the same with two nodes sharing PostgreSQL (and Redis, so their rate limits are shared too),
 * each event naming the node that decided it.
 */

const REDIS_URL = process.env.KEYWARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const IN_FLIGHT = 50;
/** The two moments the traffic is sent at: the last minute of January and the first of February. */
const BEFORE = Date.UTC(2026, 0, 31, 23, 59, 30);
const AFTER = Date.UTC(2026, 1, 1, 0, 0, 30);
const ENV = { KEYWARD_ANALYTICS_QUERIES_PER_MINUTE: '1000' };

/** One node to send requests to: its clock and how it answers a POST /v2/<operation>. */
interface Node {
  name: string;
  clock: TestClock;
  server: KeywardServer;
  /** IN_FLIGHT connections to the node: worker i of `inFlight` sends on the i-th. */
  connections: Connection[];
}

/** What a verification in the traffic uses: the key, and what its analytics event must say of it. */
interface KeyUnderTest {
  label: string;
  key: string;
  keyId: string;
  keySpaceId: string;
  identityId: string;
  externalId: string;
  /** Credits one VALID verification of this key takes (0: the key has no credits). */
  spends: number;
  request?: Record<string, unknown>;
}

/** One event as the test expects it in the tables. */
interface Expected {
  time: number;
  workspaceId: string;
  keySpaceId: string;
  keyId: string;
  identityId: string;
  externalId: string;
  outcome: string;
  tags: string;
  spent: number;
}

/** Tag sets as sent: the same set in another order or with a duplicate must group with it. */
const TAGS_SENT: string[][] = [[], ['plan=pro'], ['path=/a', 'plan=pro'], ['plan=pro', 'path=/a'], ['plan=pro', 'path=/a', 'plan=pro']];
const canonical = (tags: string[]) => JSON.stringify([...new Set(tags)].sort());

/** Each grain's bucket, worked out here apart from schema.ts's bucketStart, so the test does not grade the store by its own rule. */
function bucket(time: number, grain: RollupGrain): number {
  const d = new Date(time);
  switch (grain) {
    case 'minute':
      return time - (time % 60_000);
    case 'hour':
      return time - (time % 3_600_000);
    case 'day':
      return time - (time % 86_400_000);
    case 'month':
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
  }
}

/** Runs `tasks` with at most IN_FLIGHT at once, answering their results in order. */
async function inFlight<T>(tasks: Array<(worker: number) => Promise<T>>): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const work = async (worker: number) => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]!(worker);
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, (_, worker) => work(worker)));
  return results;
}

/**
 * One kept-alive HTTP/1.1 connection sending one request at a time: the verify lane's own clients hold their
 * connections open, and fetch's per-request cost would otherwise make the client, not the server, the slow side.
 */
class Connection {
  private readonly socket: net.Socket;
  private buffered = Buffer.alloc(0);
  private waiting: ((answer: { status: number; body: any }) => void) | null = null;

  constructor(address: string) {
    const url = new URL(address);
    this.socket = net.connect({ host: url.hostname, port: Number(url.port) });
    this.socket.on('data', (chunk: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, chunk]);
      this.answer();
    });
  }

  post(path: string, rootKey: string, body: unknown): Promise<{ status: number; body: any }> {
    const payload = Buffer.from(JSON.stringify(body));
    const head =
      `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\nauthorization: Bearer ${rootKey}\r\n` +
      `content-length: ${payload.length}\r\n\r\n`;
    return new Promise((resolve) => {
      this.waiting = resolve;
      this.socket.write(Buffer.concat([Buffer.from(head), payload]));
    });
  }

  /** Resolves the request in flight once its whole answer (headers and content-length bytes) has arrived. */
  private answer() {
    const split = this.buffered.indexOf('\r\n\r\n');
    if (split < 0 || this.waiting === null) return;
    const head = this.buffered.subarray(0, split).toString('latin1');
    const length = Number(/\r\ncontent-length: *(\d+)/i.exec(head)?.[1]);
    if (this.buffered.length < split + 4 + length) return;
    const body = this.buffered.subarray(split + 4, split + 4 + length).toString('utf8');
    this.buffered = this.buffered.subarray(split + 4 + length);
    const resolve = this.waiting;
    this.waiting = null;
    resolve({ status: Number(head.split(' ')[1]), body: JSON.parse(body) });
  }

  close() {
    this.socket.destroy();
  }
}

const connect = (address: string) => Array.from({ length: IN_FLIGHT }, () => new Connection(address));

async function nodeOf(t: TestServer, name: string): Promise<Node> {
  return { name, clock: t.clock, server: t.server, connections: connect(await t.listen()) };
}

/** A second server on the first one's database (as a second node of a cluster), answering over its own socket. */
async function joinDatabase(name: string, t: TestServer, env: Record<string, string>): Promise<Node & { close(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'keyward-test-'));
  const config = loadConfig({
    KEYWARD_PORT: '0',
    KEYWARD_DATA_DIR: dataDir,
    KEYWARD_DATABASE_URL: t.databaseUrl,
    KEYWARD_LOG_LEVEL: 'silent',
    KEYWARD_SHUTDOWN_GRACE_MS: '100',
    ...env,
  });
  const clock = new TestClock(t.clock.now());
  const server = await createServer({ config, clock, backgroundJobs: false });
  return {
    name,
    clock,
    server,
    connections: connect(await server.listen()),
    close: async () => {
      await server.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

async function createKeys(t: TestServer): Promise<Record<string, KeyUnderTest>> {
  const apiId = (await t.call('apis.createApi', { name: 'analytics e2e' })).body.data.apiId as string;
  const create = async (label: string, body: Record<string, unknown>, spends = 0, request?: Record<string, unknown>) => {
    const res = await t.call('keys.createKey', { apiId, ...body });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const { keyId, key } = res.body.data as { keyId: string; key: string };
    const identityId = ((await t.call('keys.getKey', { keyId })).body.data.identity?.id as string | undefined) ?? '';
    return { label, key, keyId, keySpaceId: apiId, identityId, externalId: (body.externalId as string) ?? '', spends, request };
  };
  const keys = {
    alice1: await create('alice1', { externalId: 'alice' }),
    alice2: await create('alice2', { externalId: 'alice' }),
    credited: await create('credited', { externalId: 'bob', credits: { remaining: 1_000_000 } }, 3, { credits: { cost: 3 } }),
    limited: await create('limited', { ratelimits: [{ name: 'burst', limit: 1, duration: 86_400_000, autoApply: true }] }),
    scarce: await create('scarce', { credits: { remaining: 10 } }, 5, { credits: { cost: 5 } }),
    disabled: await create('disabled', { enabled: false }),
    unpermitted: await create('unpermitted', {}, 0, { permissions: 'documents.read' }),
    expiring: await create('expiring', { expires: Date.UTC(2026, 1, 1) }),
  };
  const missing: KeyUnderTest = {
    label: 'missing',
    key: 'kw_this_key_does_not_exist_at_all_0000',
    keyId: '',
    keySpaceId: '',
    identityId: '',
    externalId: '',
    spends: 0,
  };
  expect(keys.alice1.identityId).not.toBe('');
  expect(keys.alice2.identityId).toBe(keys.alice1.identityId);
  return { ...keys, missing };
}

/** How many verifications of each key are sent at each moment, and what each must answer (all alike, or a count per code). */
const PLAN: Array<{ at: number; label: string; count: number; codes: Record<string, number> }> = [
  { at: BEFORE, label: 'alice1', count: 2200, codes: { VALID: 2200 } },
  { at: BEFORE, label: 'alice2', count: 500, codes: { VALID: 500 } },
  { at: BEFORE, label: 'credited', count: 300, codes: { VALID: 300 } },
  { at: BEFORE, label: 'limited', count: 500, codes: { VALID: 1, RATE_LIMITED: 499 } },
  // 10 credits at 5 a verification: exactly two are VALID, however the 300 race.
  { at: BEFORE, label: 'scarce', count: 300, codes: { VALID: 2, USAGE_EXCEEDED: 298 } },
  { at: BEFORE, label: 'disabled', count: 300, codes: { DISABLED: 300 } },
  { at: BEFORE, label: 'unpermitted', count: 300, codes: { INSUFFICIENT_PERMISSIONS: 300 } },
  { at: BEFORE, label: 'missing', count: 300, codes: { NOT_FOUND: 300 } },
  { at: BEFORE, label: 'expiring', count: 300, codes: { VALID: 300 } },
  { at: AFTER, label: 'alice1', count: 2700, codes: { VALID: 2700 } },
  { at: AFTER, label: 'alice2', count: 1000, codes: { VALID: 1000 } },
  { at: AFTER, label: 'credited', count: 300, codes: { VALID: 300 } },
  { at: AFTER, label: 'disabled', count: 200, codes: { DISABLED: 200 } },
  { at: AFTER, label: 'unpermitted', count: 200, codes: { INSUFFICIENT_PERMISSIONS: 200 } },
  { at: AFTER, label: 'missing', count: 300, codes: { NOT_FOUND: 300 } },
  // Expired at midnight: VALID before it, EXPIRED after.
  { at: AFTER, label: 'expiring', count: 300, codes: { EXPIRED: 300 } },
];

/** Rate-limit decisions: 200 against a limit of 50 before midnight, and 100 unlimited ones at each moment. */
const RATELIMIT_PLAN = [
  { at: BEFORE, identifier: 'limited', limit: 50, count: 200, passed: 50 },
  { at: BEFORE, identifier: 'free', limit: 1_000_000, count: 100, passed: 100 },
  { at: AFTER, identifier: 'free', limit: 1_000_000, count: 100, passed: 100 },
];

interface Traffic {
  verifications: Expected[];
  ratelimits: Array<{ time: number; identifier: string; passed: boolean }>;
  /** Which node answered each request id. */
  regions: Map<string, string>;
}

/** Sends the plan, the i-th request of each moment to node i % nodes; checks every answer against the plan. */
async function sendTraffic(t: TestServer, nodes: Node[]): Promise<Traffic> {
  const keys = await createKeys(t);
  const traffic: Traffic = { verifications: [], ratelimits: [], regions: new Map() };
  const namespace = `e2e_${Date.now().toString(36)}`;
  for (const at of [BEFORE, AFTER]) {
    for (const node of nodes) node.clock.set(at);
    const sends = PLAN.filter((p) => p.at === at).flatMap((p) => Array.from({ length: p.count }, (_, i) => ({ key: keys[p.label]!, i })));
    const answers = await inFlight(
      sends.map(({ key, i }, n) => async (worker) => {
        const tags = TAGS_SENT[i % TAGS_SENT.length]!;
        const node = nodes[n % nodes.length]!;
        const res = await node.connections[worker]!.post('/v2/keys.verifyKey', t.rootKey, {
          key: key.key,
          ...(tags.length > 0 ? { tags } : {}),
          ...key.request,
        });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        return { key, tags, node, code: res.body.data.code as string, requestId: res.body.meta.requestId as string };
      }),
    );
    for (const p of PLAN.filter((p) => p.at === at)) {
      const codes: Record<string, number> = {};
      for (const a of answers) if (a.key.label === p.label) codes[a.code] = (codes[a.code] ?? 0) + 1;
      expect(codes, `${p.label} at ${new Date(at).toISOString()}`).toEqual(p.codes);
    }
    for (const a of answers) {
      traffic.regions.set(a.requestId, a.node.name);
      const found = a.code !== 'NOT_FOUND';
      traffic.verifications.push({
        time: at,
        workspaceId: t.workspaceId,
        keySpaceId: found ? a.key.keySpaceId : '',
        keyId: found ? a.key.keyId : '',
        identityId: found ? a.key.identityId : '',
        externalId: found ? a.key.externalId : '',
        outcome: a.code,
        tags: canonical(a.tags),
        spent: a.code === 'VALID' ? a.key.spends : 0,
      });
    }

    const limits = RATELIMIT_PLAN.filter((p) => p.at === at).flatMap((p) => Array.from({ length: p.count }, () => p));
    const decisions = await inFlight(
      limits.map((p, n) => async (worker) => {
        const node = nodes[n % nodes.length]!;
        const res = await node.connections[worker]!.post('/v2/ratelimit.limit', t.rootKey, {
          namespace,
          identifier: p.identifier,
          limit: p.limit,
          duration: 86_400_000,
        });
        expect(res.status, JSON.stringify(res.body)).toBe(200);
        traffic.regions.set(res.body.meta.requestId, node.name);
        return { identifier: p.identifier, passed: res.body.data.success as boolean };
      }),
    );
    for (const p of RATELIMIT_PLAN.filter((p) => p.at === at)) {
      expect(decisions.filter((d) => d.identifier === p.identifier && d.passed)).toHaveLength(p.passed);
    }
    traffic.ratelimits.push(...decisions.map((d) => ({ ...d, time: at })));
  }
  for (const node of nodes) {
    for (const connection of node.connections) connection.close();
    const recorder = node.server.analyticsRecorder!;
    while (recorder.size > 0) await recorder.flush();
  }
  return traffic;
}

/** Adds `value`'s fields into `totals[key]`. */
function add(totals: Map<string, Record<string, number>>, key: string, value: Record<string, number>) {
  const into = totals.get(key) ?? {};
  for (const [name, n] of Object.entries(value)) into[name] = (into[name] ?? 0) + n;
  totals.set(key, into);
}

const sorted = (totals: Map<string, Record<string, number>>) => Object.fromEntries([...totals].sort(([a], [b]) => (a < b ? -1 : 1)));

function verificationGroup(row: Record<string, unknown>) {
  return [row.time, row.workspace_id, row.key_space_id, row.key_id, row.identity_id, row.external_id, row.outcome, row.tags].join('|');
}

/** Per group of each grain: the figures the traffic must have left in every verification rollup. */
function expectedVerifications(traffic: Traffic, grain: RollupGrain) {
  const totals = new Map<string, Record<string, number>>();
  for (const e of traffic.verifications) {
    const group = verificationGroup({
      time: bucket(e.time, grain),
      workspace_id: e.workspaceId,
      key_space_id: e.keySpaceId,
      key_id: e.keyId,
      identity_id: e.identityId,
      external_id: e.externalId,
      outcome: e.outcome,
      tags: e.tags,
    });
    add(totals, group, { count: 1, spent_credits: e.spent });
  }
  return sorted(totals);
}

function expectedRatelimits(traffic: Traffic, grain: RollupGrain) {
  const totals = new Map<string, Record<string, number>>();
  for (const e of traffic.ratelimits) add(totals, `${bucket(e.time, grain)}|${e.identifier}`, { passed: e.passed ? 1 : 0, total: 1 });
  return sorted(totals);
}

/** Reads a physical table straight from the store, every column. */
async function read(t: TestServer, table: string): Promise<Record<string, any>[]> {
  return t.server.analytics.query({ sql: `SELECT * FROM ${table}`, parameters: [] }, { timeoutMs: 10_000, maxRows: 100_000 });
}

async function checkTables(t: TestServer, traffic: Traffic) {
  const raw = await read(t, 'analytics_verifications');
  expect(raw).toHaveLength(traffic.verifications.length);
  // Every event names the node that answered its request, and each request is one event.
  expect(new Set(raw.map((r) => r.request_id)).size).toBe(raw.length);
  for (const r of raw) expect(r.region, r.request_id).toBe(traffic.regions.get(r.request_id));

  for (const grain of ROLLUP_GRAINS) {
    const expected = expectedVerifications(traffic, grain);
    const fromRaw = new Map<string, Record<string, number>>();
    for (const r of raw)
      add(fromRaw, verificationGroup({ ...r, time: bucket(Number(r.time), grain) }), { count: 1, spent_credits: Number(r.spent_credits) });
    expect(sorted(fromRaw), `raw events by ${grain}`).toEqual(expected);

    const rollup = new Map<string, Record<string, number>>();
    for (const r of await read(t, `analytics_verifications_per_${grain}`)) {
      add(rollup, verificationGroup({ ...r, time: Number(r.time) }), { count: Number(r.count), spent_credits: Number(r.spent_credits) });
    }
    expect(sorted(rollup), `analytics_verifications_per_${grain}`).toEqual(expected);
  }

  const rawLimits = await read(t, 'analytics_ratelimits');
  expect(rawLimits).toHaveLength(traffic.ratelimits.length);
  for (const r of rawLimits) expect(r.region, r.request_id).toBe(traffic.regions.get(r.request_id));
  for (const grain of ROLLUP_GRAINS) {
    const expected = expectedRatelimits(traffic, grain);
    const fromRaw = new Map<string, Record<string, number>>();
    for (const r of rawLimits) add(fromRaw, `${bucket(Number(r.time), grain)}|${r.identifier}`, { passed: Number(r.passed), total: 1 });
    expect(sorted(fromRaw), `raw rate-limit events by ${grain}`).toEqual(expected);
    const rollup = new Map<string, Record<string, number>>();
    for (const r of await read(t, `analytics_ratelimits_per_${grain}`)) {
      add(rollup, `${Number(r.time)}|${r.identifier}`, { passed: Number(r.passed), total: Number(r.total) });
    }
    expect(sorted(rollup), `analytics_ratelimits_per_${grain}`).toEqual(expected);
  }
}

/** The figures again, as a caller asks for them through analytics.getVerifications / getRatelimits. */
async function checkQueries(t: TestServer, traffic: Traffic) {
  const ask = async (operation: string, query: string) => {
    const res = await t.call(operation, { query });
    expect(res.status, `${query}: ${JSON.stringify(res.body)}`).toBe(200);
    return res.body.data as Record<string, unknown>[];
  };
  const tally = (field: (e: Expected) => string, value: (e: Expected) => number = () => 1) => {
    const totals: Record<string, number> = {};
    for (const e of traffic.verifications) totals[field(e)] = (totals[field(e)] ?? 0) + value(e);
    return totals;
  };
  const asObject = (rows: Record<string, unknown>[], name: string, value: string) =>
    Object.fromEntries(rows.map((r) => [String(r[name]), Number(r[value])]));

  const byOutcome = await ask('analytics.getVerifications', 'SELECT outcome, count(*) AS n FROM key_verifications_v1 GROUP BY outcome');
  expect(asObject(byOutcome, 'outcome', 'n')).toEqual(tally((e) => e.outcome));
  expect(tally((e) => e.outcome)).toEqual({
    VALID: 2200 + 500 + 300 + 1 + 2 + 300 + 2700 + 1000 + 300,
    RATE_LIMITED: 499,
    USAGE_EXCEEDED: 298,
    DISABLED: 500,
    INSUFFICIENT_PERMISSIONS: 500,
    NOT_FOUND: 600,
    EXPIRED: 300,
  });

  const byKey = await ask(
    'analytics.getVerifications',
    'SELECT key_id, SUM(count) AS n FROM key_verifications_per_minute_v1 GROUP BY key_id',
  );
  expect(asObject(byKey, 'key_id', 'n')).toEqual(tally((e) => e.keyId));
  const byIdentity = await ask(
    'analytics.getVerifications',
    'SELECT identity_id, SUM(count) AS n FROM key_verifications_per_hour_v1 GROUP BY identity_id',
  );
  expect(asObject(byIdentity, 'identity_id', 'n')).toEqual(tally((e) => e.identityId));
  const byTags = await ask('analytics.getVerifications', 'SELECT tags, SUM(count) AS n FROM key_verifications_per_day_v1 GROUP BY tags');
  expect(Object.fromEntries(byTags.map((r) => [JSON.stringify(r.tags), Number(r.n)]))).toEqual(tally((e) => e.tags));
  const credits = await ask('analytics.getVerifications', 'SELECT SUM(spent_credits) AS spent FROM key_verifications_per_month_v1');
  expect(Number(credits[0]!.spent)).toBe(600 * 3 + 2 * 5);
  // Each grain's buckets split at midnight on the first of the month: half the traffic on each side.
  for (const grain of ROLLUP_GRAINS) {
    const byTime = await ask(
      'analytics.getVerifications',
      `SELECT time, SUM(count) AS n FROM key_verifications_per_${grain}_v1 GROUP BY time`,
    );
    expect(asObject(byTime, 'time', 'n'), grain).toEqual({ [bucket(BEFORE, grain)]: 5000, [bucket(AFTER, grain)]: 5000 });
  }

  const passed = await ask(
    'analytics.getRatelimits',
    'SELECT identifier, SUM(passed) AS passed, count(*) AS total FROM ratelimits_v1 GROUP BY identifier',
  );
  expect(Object.fromEntries(passed.map((r) => [r.identifier, [Number(r.passed), Number(r.total)]]))).toEqual({
    limited: [50, 200],
    free: [200, 200],
  });
  const perHour = await ask(
    'analytics.getRatelimits',
    'SELECT time, SUM(passed) AS passed, SUM(total) AS total FROM ratelimits_per_hour_v1 GROUP BY time',
  );
  expect(Object.fromEntries(perHour.map((r) => [String(r.time), [Number(r.passed), Number(r.total)]]))).toEqual({
    [bucket(BEFORE, 'hour')]: [150, 300],
    [bucket(AFTER, 'hour')]: [100, 100],
  });
}

// SQLite in `vitest run`, PostgreSQL (and the two nodes) in `npm run test:postgres`.
const engine: EngineName = process.env.KEYWARD_TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

describe(`analytics end to end (${engine})`, { timeout: 60_000 }, () => {
  it('10,000 verifications and 400 rate-limit decisions leave exactly their figures in raw events and every rollup', async () => {
    const t = await startTestServer({ engine, env: { ...ENV, KEYWARD_NODE_NAME: 'only-node' } });
    try {
      t.clock.set(BEFORE - 60_000);
      const traffic = await sendTraffic(t, [await nodeOf(t, 'only-node')]);
      await checkTables(t, traffic);
      await checkQueries(t, traffic);
    } finally {
      await t.close();
    }
  });
});

if (engine === 'postgres')
  describe('analytics end to end (two nodes sharing PostgreSQL)', { timeout: 60_000 }, () => {
    it('half the traffic on each node: exact totals, each event naming its node', async () => {
      const env = { ...ENV, KEYWARD_REDIS_URL: REDIS_URL };
      const t = await startTestServer({ engine: 'postgres', env: { ...env, KEYWARD_NODE_NAME: 'node-a' } });
      t.clock.set(BEFORE - 60_000);
      const b = await joinDatabase('node-b', t, { ...env, KEYWARD_NODE_NAME: 'node-b' });
      try {
        const traffic = await sendTraffic(t, [await nodeOf(t, 'node-a'), b]);
        const regions = [...traffic.regions.values()];
        expect(regions.filter((r) => r === 'node-a')).toHaveLength(regions.length / 2);
        await checkTables(t, traffic);
        await checkQueries(t, traffic);
      } finally {
        await b.close();
        await t.close();
      }
    });
  });
