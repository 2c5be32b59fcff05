import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresSchema } from './harness.js';
import { type KeywardNode as Node, runToEnd, startNode, stopLaunched } from './faults/nodes.js';

/**
 * Key lifetimes across two Keyward processes sharing one PostgreSQL schema and one Redis (docs/decisions/0020 and
 * 0026): a one-time key gives exactly one VALID whichever node each verification reaches, and a rerolled root key
 * cached on the other node stops there at the end of its grace period. Real entry points, on the system clock.
 */

const REDIS_URL = process.env.KEYWARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let schema: { url: string; drop: () => Promise<void> };
let rootKey: string;
let a: Node;
let b: Node;

async function call(node: Node, operation: string, body: unknown, key = rootKey) {
  const response = await fetch(`${node.address}/v2/${operation}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

beforeAll(async () => {
  schema = await freshPostgresSchema();
  const env = {
    KEYWARD_DATABASE_URL: schema.url,
    KEYWARD_REDIS_URL: REDIS_URL,
    KEYWARD_LOG_LEVEL: 'warn',
    KEYWARD_REDIS_TIMEOUT_MS: '10000',
  };
  rootKey = (JSON.parse(await runToEnd(['bootstrap', '--json'], env)) as { rootKey: string }).rootKey;
  [a, b] = await Promise.all([startNode(env), startNode(env)]);
}, 120_000);

afterAll(async () => {
  await stopLaunched();
  await schema?.drop();
}, 60_000);

describe('two nodes sharing PostgreSQL and Redis', { timeout: 120_000 }, () => {
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
