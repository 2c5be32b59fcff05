import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './faults/free-port.js';
import { call } from './faults/nodes.js';
import { type OwnRedis, startOwnRedis } from './faults/own-redis.js';
import { freshPostgresSchema } from './harness.js';
import { until } from './poll.js';
import { KEYWARD_ENTRY } from './keyward-entry.js';

/**
 * The three-node demo (demo/three-nodes/run.sh, docs/operations.md "A three-node demo") run as an operator runs it,
 * on free ports, over a PostgreSQL schema and a Redis of the test's own: a key deleted through one node is refused
 * by the other two, HAProxy spreads requests over the three nodes and keeps answering with one of them killed, and
 * `run.sh stop` ends every process.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SCRIPT = 'demo/three-nodes/run.sh';

interface Process {
  name: string;
  address: string;
  pid: number;
}

let redis: OwnRedis;
let schema: { url: string; drop: () => Promise<void> };
let dir: string;
let env: NodeJS.ProcessEnv;
let script: { child: ChildProcess; stdout: string; stderr: string; exited: Promise<number | null> };
let balancer: Process;
let nodes: Process[];
let rootKey: string;

function run(args: string[]): typeof script {
  const child = spawn('bash', [SCRIPT, ...args], { cwd: ROOT, env });
  const launched = { child, stdout: '', stderr: '', exited: new Promise<number | null>((resolve) => child.on('close', resolve)) };
  child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
    launched.stdout += chunk;
  });
  child.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
    launched.stderr += chunk;
  });
  return launched;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The node's keyward_verifications_total, every code together. */
async function verifications(node: Process): Promise<number> {
  const text = await (await fetch(`${node.address}/metrics`)).text();
  return [...text.matchAll(/^keyward_verifications_total\{[^}]*\} (\d+)$/gm)].reduce((sum, m) => sum + Number(m[1]), 0);
}

/** `count` verifications of `key` through the balancer, one after the other; how many each node answered. */
async function verifyThroughBalancer(key: string, count: number): Promise<Map<string, number>> {
  const servedBy = new Map<string, number>();
  for (let i = 0; i < count; i++) {
    const res = await call(balancer.address, rootKey, 'keys.verifyKey', { key });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.data.code).toBe('VALID');
    const node = res.headers.get('x-keyward-node') ?? 'none';
    servedBy.set(node, (servedBy.get(node) ?? 0) + 1);
  }
  return servedBy;
}

async function createKey(): Promise<{ keyId: string; key: string }> {
  const api = await call(balancer.address, rootKey, 'apis.createApi', { name: 'three-nodes' });
  expect(api.status, JSON.stringify(api.body)).toBe(200);
  const created = await call(balancer.address, rootKey, 'keys.createKey', { apiId: api.body.data.apiId });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body.data;
}

beforeAll(async () => {
  [redis, schema] = await Promise.all([startOwnRedis(), freshPostgresSchema()]);
  dir = mkdtempSync(join(tmpdir(), 'keyward-three-nodes-'));
  const ports = [await freePort(), await freePort(), await freePort(), await freePort()];
  env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('KEYWARD_')));
  Object.assign(env, {
    DEMO_PORT: String(ports[0]),
    DEMO_NODE_PORTS: ports.slice(1).join(' '),
    DEMO_DIR: dir,
    // The sources, as test/faults/nodes.ts runs them: a build left from before a change would test the old code.
    DEMO_KEYWARD: [process.execPath, ...KEYWARD_ENTRY].join(' '),
    KEYWARD_DATABASE_URL: schema.url,
    KEYWARD_REDIS_URL: redis.url,
  });
  const started = performance.now();
  script = run([]);
  await until(
    async () => {
      if (script.child.exitCode !== null) throw new Error(`${SCRIPT} exited with ${script.child.exitCode}:\n${script.stderr}`);
      return script.stdout.includes('stops everything');
    },
    `${SCRIPT} prints the balancer and the root key`,
    { deadlineMs: 180_000, everyMs: 100 },
  );
  console.log(`three-nodes: migrated, bootstrapped and started in ${Math.round(performance.now() - started)} ms`);
  const processes = [...script.stdout.matchAll(/^ {2}(\w+) +(http:\/\/\S+) \(pid (\d+)\)$/gm)].map(([, name, address, pid]) => ({
    name: name!,
    address: address!,
    pid: Number(pid),
  }));
  balancer = processes.find((p) => p.name === 'balancer')!;
  nodes = processes.filter((p) => p.name.startsWith('node'));
  expect(balancer).toBeDefined();
  expect(nodes.map((n) => n.name)).toEqual(['node1', 'node2', 'node3']);
  rootKey = /^ {2}root key +(\S+)$/m.exec(script.stdout)![1]!;
}, 240_000);

afterAll(async () => {
  // Should a test have failed before `stop`: the script's own exit stops what it started; then anything left.
  if (script && script.child.exitCode === null) {
    script.child.kill('SIGTERM');
    await script.exited;
  }
  for (const p of [balancer, ...(nodes ?? [])]) if (p && isRunning(p.pid)) process.kill(p.pid, 'SIGKILL');
  await schema?.drop();
  await redis?.remove();
  if (dir) rmSync(dir, { recursive: true, force: true });
}, 60_000);

describe(`${SCRIPT}: three nodes behind HAProxy`, { timeout: 120_000 }, () => {
  it('a key created through the balancer and cached by every node is refused by the other two once deleted through one', async () => {
    const { keyId, key } = await createKey();
    // Twice on each node: the second answer comes from the node's cache, which would keep the key for 60 s
    // (KEYWARD_CACHE_FRESH_MS), far past the deadline below; only the invalidation through Redis can end the wait.
    for (const node of [...nodes, ...nodes]) {
      const res = await call(node.address, rootKey, 'keys.verifyKey', { key });
      expect(res.body.data.code, `${node.name}: ${JSON.stringify(res.body)}`).toBe('VALID');
    }

    const deleted = await call(nodes[0]!.address, rootKey, 'keys.deleteKey', { keyId });
    expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
    const started = performance.now();
    const refusedIn: Record<string, number> = {};
    await until(
      async () => {
        for (const node of nodes.slice(1)) {
          if (refusedIn[node.name] !== undefined) continue;
          const res = await call(node.address, rootKey, 'keys.verifyKey', { key });
          if (res.body.data.code === 'NOT_FOUND') refusedIn[node.name] = performance.now() - started;
        }
        return Object.keys(refusedIn).length === 2;
      },
      'node2 and node3 refuse the key deleted through node1',
      { deadlineMs: 20_000 },
    );
    console.log(
      `three-nodes: deleted through node1, refused within (ms): ${JSON.stringify(refusedIn, (_, v) => (typeof v === 'number' ? Math.round(v) : v))}`,
    );
    expect((await call(balancer.address, rootKey, 'keys.verifyKey', { key })).body.data.code).toBe('NOT_FOUND');
  });

  it('the balancer spreads requests over the three nodes, and says truly which one answered', async () => {
    const { key } = await createKey();
    const before = await Promise.all(nodes.map(verifications));
    const servedBy = await verifyThroughBalancer(key, 30);
    const after = await Promise.all(nodes.map(verifications));
    const counted = nodes.map((node, i) => [node.name, after[i]! - before[i]!] as const);
    console.log(`three-nodes: 30 verifications through the balancer, per node: ${JSON.stringify(Object.fromEntries(counted))}`);
    for (const [name, count] of counted) {
      expect(count, name).toBeGreaterThan(0);
      expect(servedBy.get(name), name).toBe(count);
    }
  });

  it('keeps answering with one node killed: the requests that met it go to the other two', async () => {
    const { key } = await createKey();
    const [alive, killed] = [nodes.slice(0, 2), nodes[2]!];
    const before = await Promise.all(alive.map(verifications));
    const started = performance.now();
    process.kill(killed.pid, 'SIGKILL');
    // Gone, so its port refuses connections. A request sent before (SIGKILL is not instant) can reach the dying node
    // and be lost, as any request a node holds when it dies (seen here; docs/operations.md, "A three-node demo").
    await until(() => !isRunning(killed.pid), `${killed.name} is gone`);

    const servedBy = await verifyThroughBalancer(key, 30);
    expect(servedBy.get(killed.name)).toBeUndefined();
    const after = await Promise.all(alive.map(verifications));
    expect(after[0]! - before[0]! + after[1]! - before[1]!).toBe(30);

    await until(() => readFileSync(join(dir, 'haproxy.log'), 'utf8').includes(`${killed.name} is DOWN`), 'HAProxy marks the node down', {
      deadlineMs: 20_000,
      everyMs: 50,
    });
    // HAProxy logs a request it retried on another node with a "+<retries>" count (option dontlog-normal logs only those).
    const redispatched = readFileSync(join(dir, 'haproxy.log'), 'utf8').match(/ \d+\/\d+\/\d+\/\d+\/\+\d+ /g)?.length ?? 0;
    console.log(
      `three-nodes: ${killed.name} killed; HAProxy marked it down after ${Math.round(performance.now() - started)} ms; ` +
        `${redispatched} requests retried on another node, none failed`,
    );
  });

  it('`run.sh stop` ends the balancer and the nodes, and the script with them', async () => {
    const stop = run(['stop']);
    expect(await stop.exited, stop.stderr).toBe(0);
    expect(await script.exited, script.stderr).toBe(0);
    expect([balancer, ...nodes].filter((p) => isRunning(p.pid)).map((p) => p.name)).toEqual([]);
  });
});
