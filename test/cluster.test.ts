import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresSchema } from './harness.js';
import { type KeywardNode as Node, runToEnd, startNode, stopLaunched } from './faults/nodes.js';
import { until } from './poll.js';

/**
 * Scale-out for real (docs/operations.md, "Many nodes"): two Keyward server processes sharing one PostgreSQL schema and one
 * Redis, as two nodes behind a load balancer would. Limits must be exact across them and a revoke on
 * one must be refused by the other within a second; a one-time key gives one VALID across both, and a rerolled root
 * key stops on both at the end of its grace period (docs/decisions/0020 and 0026). Each process is the real entry point
 * (test/keyward-entry.ts), on the system clock.
 */

const REDIS_URL = process.env.KEYWARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let schema: { url: string; drop: () => Promise<void> };
let env: Record<string, string>;
let rootKey: string;
let workspaceId: string;
let a: Node;
let b: Node;

async function call(node: Node, operation: string, body: unknown, key = rootKey) {
  const response = await fetch(`${node.address}/v2/${operation}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as any };
}

beforeAll(async () => {
  schema = await freshPostgresSchema();
  // A Redis timeout a busy CI machine cannot trip: with the default 50 ms one call of the burst below failed open and
  // 101 were admitted (ratelimit/failure-mode.ts); Redis failures have their own tests in test/faults/.
  env = { KEYWARD_DATABASE_URL: schema.url, KEYWARD_REDIS_URL: REDIS_URL, KEYWARD_LOG_LEVEL: 'warn', KEYWARD_REDIS_TIMEOUT_MS: '10000' };
  // Migrates the schema and creates the workspace before any node starts, so neither makes its own.
  const boot = JSON.parse(await runToEnd(['bootstrap', '--json'], env)) as { workspaceId: string; rootKey: string };
  rootKey = boot.rootKey;
  workspaceId = boot.workspaceId;
  [a, b] = await Promise.all([startNode(env), startNode(env)]);
}, 120_000);

afterAll(async () => {
  await stopLaunched();
  await schema?.drop();
}, 60_000);

/**
 * A window length in which "now" sits well before the end of its fixed window, so the burst below
 * cannot straddle two windows (where the sliding window, by design, admits a little of the next one).
 */
function windowWithRoom(room = 5 * 60_000): number {
  for (let duration = 3_600_000; ; duration += 60_000) {
    if (duration - (Date.now() % duration) > room) return duration;
  }
}

describe('two nodes sharing PostgreSQL and Redis', { timeout: 120_000 }, () => {
  it('1,000 concurrent ratelimit.limit calls split between the nodes admit exactly the limit (100)', async () => {
    const namespace = `cluster_${Date.now().toString(36)}`;
    const request = { namespace, identifier: 'one_identifier', limit: 100, duration: windowWithRoom() };
    // Create the namespace first (cost 0 counts nothing), then have each node cache it, so the burst measures the
    // limiter alone: a node still loading the namespace could otherwise watch the other take all 100.
    for (const node of [a, a, b]) {
      const warm = await call(node, 'ratelimit.limit', { ...request, cost: 0 });
      expect(warm.status, JSON.stringify(warm.body)).toBe(200);
    }

    const results = await Promise.all(
      Array.from({ length: 1000 }, (_, i) => call(i % 2 === 0 ? a : b, 'ratelimit.limit', { ...request, cost: 1 })),
    );
    expect(results.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
    const admitted = results.filter((r) => r.body.data.success);
    expect(admitted).toHaveLength(100);
    // Both nodes admitted some: the counter really is shared, not merely split.
    const admittedBy = (node: Node) => results.filter((r, i) => r.body.data.success && (i % 2 === 0 ? a : b) === node).length;
    expect(admittedBy(a)).toBeGreaterThan(0);
    expect(admittedBy(b)).toBeGreaterThan(0);
    expect(new Set(admitted.map((r) => r.body.data.remaining)).size).toBe(100);

    const after = await call(b, 'ratelimit.limit', { ...request, cost: 1 });
    expect(after.body.data).toMatchObject({ success: false, remaining: 0, limit: 100 });
  });

  it('a key revoked on node A is refused on node B, without a restart or a cache expiry', async () => {
    const apiId = (await call(a, 'apis.createApi', { name: 'cluster' })).body.data.apiId as string;
    const { keyId, key } = (await call(a, 'keys.createKey', { apiId })).body.data as { keyId: string; key: string };
    // B has verified (and so cached) the key before it is revoked.
    for (const node of [b, b, a]) expect((await call(node, 'keys.verifyKey', { key })).body.data.code).toBe('VALID');

    expect((await call(a, 'keys.deleteKey', { keyId })).status).toBe(200);
    // Polled until the invalidation has crossed Redis. B's cache would keep the key fresh for 60 s (the default), far
    // past the poll's deadline, so only the invalidation can end the wait; how soon it does is a latency, not tested here.
    await until(async () => (await call(b, 'keys.verifyKey', { key })).body.data.code === 'NOT_FOUND', 'node B refuses the revoked key');
  });

  it('an override set through node A is applied by node B, without a restart or a cache expiry', async () => {
    const namespace = `cluster_override_${Date.now().toString(36)}`;
    // cost 0 counts nothing: only the limit that applies is looked at.
    const request = { namespace, identifier: 'vip', limit: 1, duration: 60_000, cost: 0 };
    // A creates the namespace; B has limited against (and so cached) it, without an override, before one is set.
    for (const node of [a, b, b]) {
      const res = await call(node, 'ratelimit.limit', request);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.data.overrideId).toBeUndefined();
    }

    const set = await call(a, 'ratelimit.setOverride', { namespace, identifier: 'vip', limit: 50, duration: 60_000 });
    expect(set.status, JSON.stringify(set.body)).toBe(200);
    // As above: B's cached namespace stays fresh for 60 s, so only the invalidation through Redis ends the wait.
    let seen: { limit: number; overrideId?: string } = { limit: 1 };
    await until(async () => {
      seen = (await call(b, 'ratelimit.limit', request)).body.data;
      return seen.overrideId !== undefined;
    }, 'node B applies the override');
    expect(seen).toMatchObject({ limit: 50, overrideId: set.body.data.overrideId });
  });

  it('keyward workspace-limit run as a third process reaches both nodes through Redis at once', async () => {
    for (const node of [a, b])
      expect((await call(node, 'apis.createApi', { name: 'no limit yet' })).headers.get('ratelimit-limit')).toBeNull();
    await runToEnd(['workspace-limit', workspaceId, '1000'], env);
    for (const node of [a, b]) {
      const res = await call(node, 'apis.createApi', { name: 'limited now' });
      expect(res.status).toBe(200);
      expect(res.headers.get('ratelimit-limit')).toBe('1000');
    }
    // One counter for the workspace across both nodes.
    const remainingA = Number((await call(a, 'apis.createApi', { name: 'count a' })).headers.get('ratelimit-remaining'));
    const remainingB = Number((await call(b, 'apis.createApi', { name: 'count b' })).headers.get('ratelimit-remaining'));
    expect(remainingB).toBeLessThan(remainingA);
    await runToEnd(['workspace-limit', workspaceId, 'off'], env);
    for (const node of [a, b]) expect((await call(node, 'apis.createApi', { name: 'lifted' })).headers.get('ratelimit-limit')).toBeNull();
  });

  it('a one-time key cached on both nodes: 100 concurrent verifications split between them give exactly one VALID', async () => {
    const apiId = (await call(a, 'apis.createApi', { name: 'one-time' })).body.data.apiId;
    const { key } = (await call(a, 'keys.createKey', { apiId, oneTime: true, permissions: ['docs.read'] })).body.data;
    // A refused verification on each node caches the key there without using it up.
    for (const node of [a, b]) {
      expect((await call(node, 'keys.verifyKey', { key, permissions: 'docs.write' })).body.data.code).toBe('INSUFFICIENT_PERMISSIONS');
    }
    const results = await Promise.all(Array.from({ length: 100 }, (_, i) => call(i % 2 === 0 ? a : b, 'keys.verifyKey', { key })));
    expect(results.filter((r) => r.status !== 200).map((r) => r.body)).toEqual([]);
    const codes = results.map((r) => r.body.data.code);
    expect(codes.filter((c) => c === 'VALID')).toHaveLength(1);
    expect(codes.filter((c) => c === 'USAGE_EXCEEDED')).toHaveLength(99);
  });

  it('a root key rerolled on one node, cached on the other: works there during the grace period, refused there once it ends', async () => {
    const old = (await call(a, 'rootKeys.createRootKey', { name: 'rotated', permissions: ['api.*.read_api'], environment: 'prod' })).body
      .data as { rootKeyId: string; key: string };
    for (const node of [a, b]) expect((await call(node, 'apis.listApis', {}, old.key)).status).toBe(200);

    const rerolled = await call(a, 'rootKeys.rerollRootKey', { rootKeyId: old.rootKeyId, expiration: 3000 });
    expect(rerolled.status).toBe(200);
    const { key: successor, oldKeyRetiresAt } = rerolled.body.data as { key: string; oldKeyRetiresAt: number };
    expect(successor).toMatch(/^kw_root_prod_/);
    expect((await call(b, 'apis.listApis', {}, successor)).status).toBe(200);
    if (Date.now() < oldKeyRetiresAt - 500) expect((await call(b, 'apis.listApis', {}, old.key)).status).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, oldKeyRetiresAt - Date.now() + 5)));
    for (const node of [b, a]) {
      const refused = await call(node, 'apis.listApis', {}, old.key);
      expect(refused.status).toBe(401);
      expect(refused.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authentication/key_not_found');
    }

    // expiration 0: the other node, holding the key in its cache, refuses it from the very next request.
    const next = (
      await call(a, 'rootKeys.rerollRootKey', { rootKeyId: (rerolled.body.data as { rootKeyId: string }).rootKeyId, expiration: 0 })
    ).body.data as { key: string };
    expect((await call(b, 'apis.listApis', {}, successor)).status).toBe(401);
    expect((await call(b, 'apis.listApis', {}, next.key)).status).toBe(200);
  });
});
