import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freshPostgresSchema } from '../harness.js';
import { until } from '../poll.js';
import { call, type KeywardNode, runToEnd, startNode, stopLaunched } from './nodes.js';
import { type OwnRedis, startOwnRedis } from './own-redis.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * Issue 12, finding 2: a revocation must reach every node even when Redis cannot carry it (docs/decisions/0013).
 * Two real nodes on one PostgreSQL schema (the shared server: only Redis is faulted) and a Redis of the test's own;
 * node A reaches it through a proxy, so A alone can be cut off while B still sees a healthy Redis.
 */

let schema: { url: string; drop: () => Promise<void> };
let redis: OwnRedis;
let proxy: TcpProxy;
let rootKey: string;
let a: KeywardNode;
let b: KeywardNode;

beforeAll(async () => {
  [schema, redis] = await Promise.all([freshPostgresSchema(), startOwnRedis()]);
  proxy = new TcpProxy(redis.port);
  await proxy.listen();
  const env = { KEYWARD_DATABASE_URL: schema.url, KEYWARD_REDIS_URL: redis.url, KEYWARD_LOG_LEVEL: 'warn' };
  rootKey = (JSON.parse(await runToEnd(['bootstrap', '--json'], env)) as { rootKey: string }).rootKey;
  [a, b] = await Promise.all([startNode({ ...env, KEYWARD_REDIS_URL: proxy.url(redis.url) }), startNode(env)]);
}, 120_000);

afterAll(async () => {
  await stopLaunched();
  await proxy?.close();
  await Promise.all([schema?.drop(), redis?.remove()]);
}, 60_000);

async function verifiedValid(node: KeywardNode, key: string): Promise<boolean> {
  const verified = await call(node.address, rootKey, 'keys.verifyKey', { key });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
  return verified.body.data.valid === true;
}

/** A new key, already verified (so cached as VALID) on B. */
async function keyCachedOnB(apiId: string): Promise<{ keyId: string; key: string }> {
  const created = await call(a.address, rootKey, 'keys.createKey', { apiId });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  const { keyId, key } = created.body.data as { keyId: string; key: string };
  await until(() => verifiedValid(b, key), 'B verifies the new key');
  return { keyId, key };
}

/** Deletes the key on A (which must answer 200) and returns how long B took to refuse it, in ms. */
async function deleteOnAUntilBRefuses(keyId: string, key: string): Promise<number> {
  const started = performance.now();
  const deleted = await call(a.address, rootKey, 'keys.deleteKey', { keyId });
  expect(deleted.status, JSON.stringify(deleted.body)).toBe(200);
  // The 2 s is the requirement of issue 12, not a benchmark: the log is polled every 500 ms by default.
  await until(async () => !(await verifiedValid(b, key)), 'B refuses the key deleted on A', { deadlineMs: 2000, everyMs: 20 });
  return performance.now() - started;
}

describe('no lost invalidation (PostgreSQL change log)', { timeout: 60_000 }, () => {
  let apiId: string;

  beforeAll(async () => {
    const api = await call(a.address, rootKey, 'apis.createApi', { name: 'lost_invalidation' });
    expect(api.status, JSON.stringify(api.body)).toBe(200);
    apiId = api.body.data.apiId;
  });

  it('A cut off from Redis: the delete answers 200 and B, on a healthy Redis, refuses the key within 2 s', async () => {
    const { keyId, key } = await keyCachedOnB(apiId);
    proxy.cut();
    try {
      const ms = await deleteOnAUntilBRefuses(keyId, key);
      console.log(`A cut off from Redis: B refused the deleted key after ${ms.toFixed(0)} ms`);
      expect(await verifiedValid(a, key)).toBe(false);
    } finally {
      proxy.restore();
    }
  });

  it('Redis killed: a key deleted on A is refused by B within 2 s; once Redis returns everything still works', async () => {
    const { keyId, key } = await keyCachedOnB(apiId);
    await redis.kill();
    try {
      const ms = await deleteOnAUntilBRefuses(keyId, key);
      console.log(`Redis killed: B refused the deleted key after ${ms.toFixed(0)} ms`);
    } finally {
      await redis.start();
    }
    // Both nodes resubscribe; a change made now reaches B again (by Redis or the log) and nothing answers an error.
    const again = await keyCachedOnB(apiId);
    const ms = await deleteOnAUntilBRefuses(again.keyId, again.key);
    console.log(`Redis back: B refused the next deleted key after ${ms.toFixed(0)} ms`);
  });
});
