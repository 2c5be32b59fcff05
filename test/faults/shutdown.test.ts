import { mkdtempSync, rmSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../poll.js';
import { call, type KeywardNode, runToEnd, startNode, stopLaunched } from './nodes.js';

/**
 * Finding 4 of issue 12 (docs/operations.md, "The node is stopped (SIGTERM)"): a node told to stop must stop taking
 * work, answer what it has, close its keep-alive connections and exit within its grace period. Before the fix the
 * verify lane kept answering on keep-alive connections after SIGTERM and the node exited only when clients stopped.
 */

let dataDir: string;
let vars: Record<string, string>;
let rootKey: string;
let apiId: string;
let key: string;
/** Made the API and the key; the first test then stops it under load (one node start less for the file). */
let firstNode: KeywardNode;
const GRACE_MS = 10_000;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'keyward-shutdown-'));
  vars = { KEYWARD_DATABASE_URL: join(dataDir, 'keyward.sqlite'), KEYWARD_LOG_LEVEL: 'info' };
  rootKey = (JSON.parse(await runToEnd(['bootstrap', '--json'], vars)) as { rootKey: string }).rootKey;
  firstNode = await startNode({ ...vars, KEYWARD_SHUTDOWN_GRACE_MS: String(GRACE_MS) });
  apiId = (await call(firstNode.address, rootKey, 'apis.createApi', { name: 'shutdown' })).body.data.apiId;
  key = (await call(firstNode.address, rootKey, 'keys.createKey', { apiId })).body.data.key;
}, 120_000);

afterEach(async () => {
  await stopLaunched();
}, 30_000);

afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

type Outcome =
  | { kind: 'answered'; status: number; connectionClose: boolean; sentAfterShutdownLogged: boolean }
  | { kind: 'refused' }
  | { kind: 'broken'; error: string };

/** One POST on a keep-alive agent, classified: a complete JSON answer, a refused connection, or anything else. */
function post(node: KeywardNode, agent: Agent, operation: string, body: unknown, shutdownLogged: () => boolean): Promise<Outcome> {
  const sentAfterShutdownLogged = shutdownLogged();
  const payload = JSON.stringify(body);
  return new Promise((resolve) => {
    const req = request(
      `${node.address}/v2/${operation}`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${rootKey}`, 'content-length': Buffer.byteLength(payload) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('error', (error) => resolve({ kind: 'broken', error: `response: ${error.message}` }));
        res.on('end', () => {
          try {
            JSON.parse(text);
          } catch {
            return resolve({ kind: 'broken', error: `incomplete body: ${text.slice(0, 80)}` });
          }
          resolve({
            kind: 'answered',
            status: res.statusCode!,
            connectionClose: res.headers.connection === 'close',
            sentAfterShutdownLogged,
          });
        });
      },
    );
    req.on('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ECONNREFUSED' ? { kind: 'refused' } : { kind: 'broken', error: `${error.code ?? ''} ${error.message}` }),
    );
    req.end(payload);
  });
}

/** `clients` keep-alive clients, each sending one request after another until the node refuses it or `stopAt` passes. */
function hammer(node: KeywardNode, clients: number, send: (agent: Agent) => Promise<Outcome>, stopAt: () => number) {
  const outcomes: Outcome[] = [];
  const done = Promise.all(
    Array.from({ length: clients }, async () => {
      const agent = new Agent({ keepAlive: true, maxSockets: 1 });
      try {
        while (Date.now() < stopAt()) {
          const outcome = await send(agent);
          outcomes.push(outcome);
          if (outcome.kind === 'refused' || node.child.exitCode !== null) return;
        }
      } finally {
        agent.destroy();
      }
    }),
  );
  return { outcomes, done };
}

const readiness = (node: KeywardNode) =>
  fetch(`${node.address}/v2/readiness`, { signal: AbortSignal.timeout(5_000) }).then(async (r) => ({
    status: r.status,
    body: (await r.json()) as any,
  }));

describe('SIGTERM', { timeout: 60_000 }, () => {
  it('keep-alive clients on the verify lane and an admin route: every request answered whole or refused, exit 0 within the grace period', async () => {
    const graceMs = GRACE_MS;
    const node = firstNode;
    const shutdownLogged = () => node.output.stdout.includes('"shutting down"');
    let stopAt = Number.POSITIVE_INFINITY;
    const verify = hammer(
      node,
      6,
      (agent) => post(node, agent, 'keys.verifyKey', { key }, shutdownLogged),
      () => stopAt,
    );
    const admin = hammer(
      node,
      2,
      (agent) => post(node, agent, 'apis.getApi', { apiId }, shutdownLogged),
      () => stopAt,
    );
    await until(() => verify.outcomes.length > 500 && admin.outcomes.length > 50, 'clients under way', { deadlineMs: 20_000 });

    const signalled = performance.now();
    const before = verify.outcomes.length + admin.outcomes.length;
    node.child.kill('SIGTERM');
    // The clients stop by themselves once refused; past twice the grace period the node has hung (the bug).
    stopAt = Date.now() + 2 * graceMs;
    const code = await Promise.race([node.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), 2 * graceMs))]);
    const shutdownMs = performance.now() - signalled;
    stopAt = 0;
    await Promise.all([verify.done, admin.done]);

    const all = [...verify.outcomes, ...admin.outcomes];
    const answered = all.filter((o) => o.kind === 'answered');
    const afterSignal = all.slice(before);
    console.log(
      `SIGTERM under load: exit ${code} after ${shutdownMs.toFixed(0)} ms; ${all.length} requests, ${afterSignal.length} after the signal ` +
        `(${afterSignal.filter((o) => o.kind === 'answered').length} answered, ${answered.filter((o) => o.connectionClose).length} ` +
        `with Connection: close, ${all.filter((o) => o.kind === 'refused').length} refused)`,
    );
    expect(code).toBe(0);
    expect(shutdownMs).toBeLessThan(graceMs);
    expect(all.filter((o) => o.kind === 'broken')).toEqual([]);
    expect(answered.filter((o) => o.status !== 200)).toEqual([]);
    // Sent once the node had said it was stopping: the answer closes the connection.
    const late = answered.filter((o) => o.sentAfterShutdownLogged);
    expect(late.filter((o) => !o.connectionClose)).toEqual([]);
    // Requests in flight at the signal were answered, and their answers closed their connections.
    expect(answered.filter((o) => o.connectionClose).length).toBeGreaterThan(0);
    expect(node.output.stdout).toMatch(/"stopped"/);
  });

  it('a request still in flight when the grace period ends is cut, and the node exits 1 about then', async () => {
    const graceMs = 1_500;
    const node = await startNode({ ...vars, KEYWARD_SHUTDOWN_GRACE_MS: String(graceMs) });
    const { port } = new URL(node.address);
    // A client that sends half its body and then nothing: the request stays in flight until it is cut.
    const socket = connect(Number(port), '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    socket.on('error', () => undefined);
    socket.write(
      'POST /v2/apis.getApi HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n' +
        `Authorization: Bearer ${rootKey}\r\nContent-Length: 100\r\n\r\n{"apiId":`,
    );
    const cut = new Promise<void>((resolve) => socket.once('close', () => resolve()));

    const signalled = performance.now();
    node.child.kill('SIGTERM');
    const code = await Promise.race([node.exited, new Promise<'hung'>((resolve) => setTimeout(() => resolve('hung'), graceMs + 8_000))]);
    const shutdownMs = performance.now() - signalled;
    console.log(`slow request past a ${graceMs} ms grace period: exit ${code} after ${shutdownMs.toFixed(0)} ms`);
    expect(code, `signal ${node.child.signalCode}\n${node.output.stdout.slice(-600)}\n${node.output.stderr}`).toBe(1);
    await cut;
    expect(shutdownMs).toBeGreaterThanOrEqual(graceMs - 50);
    expect(node.output.stdout).toMatch(/grace period/);
  });

  it('with a drain delay, readiness answers 503 at once while liveness and the API still answer; then exit 0', async () => {
    const node = await startNode({ ...vars, KEYWARD_SHUTDOWN_DELAY_MS: '1500' });
    expect((await readiness(node)).status).toBe(200);
    const signalled = performance.now();
    node.child.kill('SIGTERM');
    let ready = await readiness(node);
    await until(
      async () => {
        ready = await readiness(node);
        return ready.status === 503;
      },
      'readiness 503 after SIGTERM',
      { deadlineMs: 1_000 },
    );
    const refusedAfterMs = performance.now() - signalled;
    expect(ready.body.data).toMatchObject({ ready: false, shuttingDown: true });
    expect((await fetch(`${node.address}/v2/liveness`)).status).toBe(200);
    const verified = await call(node.address, rootKey, 'keys.verifyKey', { key });
    expect(verified.body.data.valid).toBe(true);
    expect(verified.headers.get('connection')).toBe('close');
    const api = await call(node.address, rootKey, 'apis.getApi', { apiId });
    expect([api.status, api.headers.get('connection')]).toEqual([200, 'close']);
    const code = await node.exited;
    const shutdownMs = performance.now() - signalled;
    console.log(`drain delay 1500 ms: readiness 503 after ${refusedAfterMs.toFixed(0)} ms, exit ${code} after ${shutdownMs.toFixed(0)} ms`);
    expect(code).toBe(0);
    expect(shutdownMs).toBeGreaterThanOrEqual(1_500);
  });

  it('a second SIGTERM during shutdown exits at once', async () => {
    const node = await startNode({ ...vars, KEYWARD_SHUTDOWN_DELAY_MS: '20000' });
    node.child.kill('SIGTERM');
    await until(() => node.output.stdout.includes('"shutting down"'), 'shutdown begun');
    const signalled = performance.now();
    node.child.kill('SIGTERM');
    const code = await node.exited;
    console.log(`second SIGTERM: exit ${code} after ${(performance.now() - signalled).toFixed(0)} ms`);
    expect(code).toBe(1);
    expect(node.output.stdout).toMatch(/second signal/);
  });
});
