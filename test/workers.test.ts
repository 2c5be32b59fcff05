import { readdirSync, readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type EngineName, freshDatabase } from './harness.js';
import { type KeywardNode, runToEnd, startNode, stopLaunched } from './faults/nodes.js';
import { querySql } from './raw-sql.js';

/**
 * `keyward start --workers 2` (docs/decisions/0022-workers-on-one-machine.md), the real entry point, without Redis, on
 * the engine KEYWARD_TEST_ENGINE names. Requests are sent on chosen connections: node:cluster gives each new connection
 * to the next worker, and every answer names its worker (X-Keyward-Worker), so a test can hold one connection to each.
 */

const engine = (process.env.KEYWARD_TEST_ENGINE as EngineName | undefined) ?? 'sqlite';

let database: { url: string; dataDir: string; drop: () => Promise<void> };
let node: KeywardNode;
let rootKey: string;
/** A kept-alive connection to each worker, by its number. */
const toWorker = new Map<string, Agent>();

interface Answer {
  status: number;
  worker: string | undefined;
  body: any;
}

function post(agent: Agent | false, operation: string, body: unknown): Promise<Answer> {
  const { hostname, port } = new URL(node.address);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: hostname,
        port,
        path: `/v2/${operation}`,
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${rootKey}` },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          const worker = res.headers['x-keyward-worker'];
          resolve({ status: res.statusCode ?? 0, worker: Array.isArray(worker) ? worker[0] : worker, body: JSON.parse(text) });
        });
      },
    );
    req.on('error', reject);
    // A connection handed to a worker as it is killed is lost: a client's timeout is what ends it.
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.end(JSON.stringify(body));
  });
}

/** One request on a connection of its own: the next worker in turn answers it. */
const onNewConnection = (operation: string, body: unknown) => post(false, operation, body);

beforeAll(async () => {
  database = await freshDatabase(engine);
  const env = { KEYWARD_DATABASE_URL: database.url, KEYWARD_DATA_DIR: database.dataDir, KEYWARD_LOG_LEVEL: 'warn' };
  rootKey = (JSON.parse(await runToEnd(['bootstrap', '--json'], env)) as { rootKey: string }).rootKey;
  // The workers start one after the other: twice a single start, more on a loaded machine.
  node = await startNode({ ...env, KEYWARD_WORKERS: '2' }, { timeoutMs: 150_000 });
  for (let attempt = 0; attempt < 50 && toWorker.size < 2; attempt++) {
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const answer = await post(agent, 'apis.listKeys', { apiId: 'api_none' });
    if (answer.worker === undefined || toWorker.has(answer.worker)) agent.destroy();
    else toWorker.set(answer.worker, agent);
  }
}, 180_000);

afterAll(async () => {
  for (const agent of toWorker.values()) agent.destroy();
  await stopLaunched();
  await database?.drop();
}, 60_000);

describe(`two workers on one port (${engine}, no Redis)`, { timeout: 120_000 }, () => {
  it('new connections are answered by both workers in turn, and a kept-alive one stays with its worker', async () => {
    expect([...toWorker.keys()].sort()).toEqual(['1', '2']);
    const seen = new Set<string | undefined>();
    for (let i = 0; i < 6; i++) seen.add((await onNewConnection('apis.listKeys', { apiId: 'api_none' })).worker);
    expect([...seen].sort()).toEqual(['1', '2']);
    for (const [worker, agent] of toWorker) {
      for (let i = 0; i < 3; i++) expect((await post(agent, 'apis.listKeys', { apiId: 'api_none' })).worker).toBe(worker);
    }
  });

  it('a key disabled through worker 1 is refused by worker 2 on the very next request, and a key deleted through worker 2 by worker 1', async () => {
    const one = toWorker.get('1')!;
    const two = toWorker.get('2')!;
    const api = await post(one, 'apis.createApi', { name: 'workers_coherence' });
    expect(api.status, JSON.stringify(api.body)).toBe(200);
    const created = await post(one, 'keys.createKey', { apiId: api.body.data.apiId });
    const { key, keyId } = created.body.data;
    // Both workers cache the key as valid first.
    for (const agent of [one, two]) expect((await post(agent, 'keys.verifyKey', { key })).body.data.valid).toBe(true);

    expect((await post(one, 'keys.updateKey', { keyId, enabled: false })).status).toBe(200);
    const onTwo = await post(two, 'keys.verifyKey', { key });
    expect(onTwo.worker).toBe('2');
    expect(onTwo.body.data).toMatchObject({ valid: false, code: 'DISABLED' });

    expect((await post(two, 'keys.updateKey', { keyId, enabled: true })).status).toBe(200);
    expect((await post(one, 'keys.verifyKey', { key })).body.data.valid).toBe(true);
    expect((await post(two, 'keys.deleteKey', { keyId })).status).toBe(200);
    const onOne = await post(one, 'keys.verifyKey', { key });
    expect(onOne.worker).toBe('1');
    expect(onOne.body.data).toMatchObject({ valid: false, code: 'NOT_FOUND' });
  });

  it('400 concurrent ratelimit.limit calls on new connections, answered by both workers, admit exactly the limit (60)', async () => {
    const request = { namespace: `workers_${Date.now().toString(36)}`, identifier: 'one', limit: 60, duration: 3_600_000 };
    for (const agent of toWorker.values()) expect((await post(agent, 'ratelimit.limit', { ...request, cost: 0 })).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 400 }, () => onNewConnection('ratelimit.limit', { ...request, cost: 1 })));
    expect(answers.filter((a) => a.status !== 200).map((a) => a.body)).toEqual([]);
    const admitted = answers.filter((a) => a.body.data.success);
    expect(admitted).toHaveLength(60);
    expect(new Set(admitted.map((a) => a.body.data.remaining)).size).toBe(60);
    // Which worker reaches the primary first is up to the scheduler; each alone admitting 60 would make 120.
    expect(new Set(answers.map((a) => a.worker))).toEqual(new Set(['1', '2']));
  });

  it('a key with 40 credits verified 200 times at once on new connections, answered by both workers, is valid exactly 40 times', async () => {
    const api = await post(toWorker.get('1')!, 'apis.createApi', { name: 'workers_credits' });
    const created = await post(toWorker.get('2')!, 'keys.createKey', { apiId: api.body.data.apiId, credits: { remaining: 40 } });
    const { key } = created.body.data;
    const answers = await Promise.all(Array.from({ length: 200 }, () => onNewConnection('keys.verifyKey', { key })));
    expect(answers.filter((a) => a.status !== 200).map((a) => a.body)).toEqual([]);
    const valid = answers.filter((a) => a.body.data.valid);
    expect(valid).toHaveLength(40);
    expect(new Set(answers.map((a) => a.worker))).toEqual(new Set(['1', '2']));
    expect(answers.filter((a) => !a.body.data.valid).every((a) => a.body.data.code === 'USAGE_EXCEEDED')).toBe(true);
  });

  it('the machine is one node: one row in the node registry, written by worker 1 only', async () => {
    const rows = await countNodes();
    expect(rows).toBe(1);
  });

  it('a worker killed is started again, and both workers answer on the port again', async () => {
    const [victim] = childrenOf(node.child.pid!);
    process.kill(victim!, 'SIGKILL');
    const seen = new Set<string | undefined>();
    let lastError = '';
    // The new worker starts a second after the death, then needs its own start-up (longer on a loaded machine).
    for (const deadline = Date.now() + 90_000; Date.now() < deadline && seen.size < 2; ) {
      const answer = await onNewConnection('apis.listKeys', { apiId: 'api_none' }).catch((error: Error) => {
        lastError = error.message;
        return undefined;
      });
      if (answer?.status === 404) seen.add(answer.worker);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    expect([...seen].sort(), `${lastError}\n${node.output.stdout.slice(-2000)}`).toEqual(['1', '2']);
    expect(childrenOf(node.child.pid!)).toHaveLength(2);
    expect(childrenOf(node.child.pid!)).not.toContain(victim);
  });

  it('SIGTERM to the primary stops both workers cleanly: exit 0, no process left', async () => {
    const pid = node.child.pid!;
    const workers = childrenOf(pid);
    expect(workers).toHaveLength(2);
    // The worker 1 killed above left its row behind (it turns "gone" after three heartbeats); its successor wrote one.
    const rowsBefore = await countNodes();
    node.child.kill('SIGTERM');
    expect(await node.exited, node.output.stdout.slice(-1500)).toBe(0);
    for (const worker of workers) expect(alive(worker)).toBe(false);
    // Worker 1's last act was to leave the registry: the clean stop of a node.
    expect(await countNodes()).toBe(rowsBefore - 1);
  });
});

async function countNodes(): Promise<number> {
  const [row] = await querySql(database.url, 'SELECT COUNT(*) AS n FROM nodes');
  return Number(row?.n);
}

/** The processes whose parent is `pid` (from /proc). */
function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const parent = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (parent === pid) children.push(Number(entry));
    } catch {}
  }
  return children;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
