import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode } from '../src/core/totp.js';
import { type KeywardNode, launch, runToEnd, startNode, stopLaunched } from './faults/nodes.js';
import { freshPostgresSchema } from './harness.js';
import { until } from './poll.js';

/**
 * The node registry across real processes (docs/operations.md, "Nodes"): Keyward servers on one PostgreSQL schema see
 * each other in dashboard.listNodes, each marking itself; one killed turns gone after three heartbeats; one stopped
 * cleanly leaves the list. One admin session, signed in on the first node, works on every node (sessions are rows).
 */

const PASSWORD = 'a passphrase for the node registry';
const EMAIL = 'nodes@example.com';
let schema: { url: string; drop: () => Promise<void> };
let env: Record<string, string>;
let a: KeywardNode;
let b: KeywardNode;
const session = { cookie: '', csrf: '', workspaceId: '' };

interface ListedNode {
  id: string;
  current: boolean;
  status: 'up' | 'gone';
  engine: string;
  database: string;
}

async function post(node: KeywardNode, operation: string, body: unknown = {}) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (session.cookie) headers.cookie = `keyward_session=${session.cookie}`;
  if (session.csrf) headers['x-keyward-csrf'] = session.csrf;
  if (session.workspaceId) headers['x-keyward-workspace'] = session.workspaceId;
  const response = await fetch(`${node.address}/v2/${operation}`, { method: 'POST', headers, body: JSON.stringify(body) });
  const cookie = /keyward_session=([^;]*)/.exec(response.headers.get('set-cookie') ?? '');
  if (cookie) session.cookie = cookie[1]!;
  return { status: response.status, body: (await response.json()) as any };
}

const listNodes = async (node: KeywardNode): Promise<ListedNode[]> => {
  const res = await post(node, 'dashboard.listNodes');
  if (res.status !== 200) throw new Error(`listNodes: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.data.nodes;
};
const self = async (node: KeywardNode): Promise<string> => (await listNodes(node)).find((n) => n.current)!.id;

beforeAll(async () => {
  schema = await freshPostgresSchema();
  env = { KEYWARD_DATABASE_URL: schema.url, KEYWARD_LOG_LEVEL: 'warn', KEYWARD_NODE_HEARTBEAT_SECONDS: '1' };
  const boot = JSON.parse(await runToEnd(['bootstrap', '--json'], env)) as { workspaceId: string };
  const created = launch(['operator', 'create', '--email', EMAIL, '--workspace', boot.workspaceId, '--role', 'admin'], env);
  created.child.stdin!.end(`${PASSWORD}\n`);
  if ((await created.exited) !== 0) throw new Error(created.output.stderr);
  [a, b] = await Promise.all([startNode(env), startNode(env)]);

  expect((await post(a, 'dashboard.signIn', { email: EMAIL, password: PASSWORD })).status).toBe(200);
  session.csrf = (await post(a, 'dashboard.getSession')).body.data.csrfToken;
  const { secret } = (await post(a, 'dashboard.startMfaEnrolment')).body.data;
  expect((await post(a, 'dashboard.confirmMfaEnrolment', { code: totpCode(secret, Date.now()) })).status).toBe(200);
  session.csrf = (await post(a, 'dashboard.getSession')).body.data.csrfToken;
  session.workspaceId = boot.workspaceId;
}, 180_000);

afterAll(async () => {
  await stopLaunched();
  await schema?.drop();
}, 60_000);

describe('the node registry on one PostgreSQL', { timeout: 120_000 }, () => {
  it('two nodes see each other, each marking itself; a node killed turns gone; one stopped cleanly leaves', async () => {
    const [idA, idB] = [await self(a), await self(b)];
    expect(idA).not.toBe(idB);
    for (const node of [a, b]) {
      const listed = await listNodes(node);
      expect(listed.map((n) => n.id).sort()).toEqual([idA, idB].sort());
      for (const n of listed) expect(n).toMatchObject({ status: 'up', engine: 'postgres', database: 'ok' });
    }

    // Killed: it cannot say goodbye, so it stays listed until three heartbeats (3 s here) pass without it.
    b.child.kill('SIGKILL');
    await b.exited;
    await until(async () => (await listNodes(a)).find((n) => n.id === idB)?.status === 'gone', 'the killed node shows as gone', {
      deadlineMs: 60_000,
      everyMs: 250,
    });
    expect((await listNodes(a)).find((n) => n.id === idA)).toMatchObject({ current: true, status: 'up' });

    // Stopped cleanly: its row goes at once.
    const c = await startNode(env);
    const idC = await self(c);
    expect((await listNodes(a)).map((n) => n.id)).toContain(idC);
    c.child.kill('SIGTERM');
    expect(await c.exited).toBe(0);
    expect((await listNodes(a)).map((n) => n.id)).not.toContain(idC);
  });
});
