import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateKey } from '../src/core/key-format.js';
import { freshPostgresSchema } from './harness.js';
import { call, type KeywardNode, runToEnd, startNode, stopLaunched } from './faults/nodes.js';
import { type OwnRedis, startOwnRedis } from './faults/own-redis.js';
import { until } from './poll.js';

/**
 * The unknown-key filter on two real nodes sharing PostgreSQL and a Redis of the test's own (docs/decisions/0021): with
 * node B's filter built and answering unknown keys, a key created on node A verifies on B on the very next request,
 * with Redis up and with Redis frozen (SIGSTOP: the publish never arrives). The change log is polled only once a minute
 * here, so what B relies on is the change-log read each "unknown" waits for, not the poll.
 */

let schema: { url: string; drop: () => Promise<void> };
let redis: OwnRedis;
let rootKey: string;
let a: KeywardNode;
let b: KeywardNode;

beforeAll(async () => {
  [schema, redis] = await Promise.all([freshPostgresSchema(), startOwnRedis()]);
  const env = {
    KEYWARD_DATABASE_URL: schema.url,
    KEYWARD_REDIS_URL: redis.url,
    KEYWARD_LOG_LEVEL: 'warn',
    KEYWARD_INVALIDATION_POLL_MS: '60000',
  };
  rootKey = (JSON.parse(await runToEnd(['bootstrap', '--json'], env)) as { rootKey: string }).rootKey;
  // Generous: on a loaded machine a node can take over a minute to start.
  [a, b] = await Promise.all([startNode(env, { timeoutMs: 240_000 }), startNode(env, { timeoutMs: 240_000 })]);
}, 300_000);

afterAll(async () => {
  redis?.thaw();
  await stopLaunched();
  await Promise.all([schema?.drop(), redis?.remove()]);
}, 60_000);

async function metric(node: KeywardNode, name: string, result: string): Promise<number> {
  const text = await (await fetch(`${node.address}/metrics`)).text();
  return Number(new RegExp(`${name}\\{result="${result}"\\} (\\d+)`).exec(text)?.[1]);
}

async function verifiedCode(node: KeywardNode, key: string): Promise<string> {
  const verified = await call(node.address, rootKey, 'keys.verifyKey', { key });
  expect(verified.status, JSON.stringify(verified.body)).toBe(200);
  return verified.body.data.code as string;
}

async function createdOnA(apiId: string): Promise<string> {
  const created = await call(a.address, rootKey, 'keys.createKey', { apiId });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body.data.key as string;
}

it('a key created on node A verifies on node B at once, B answering unknown keys from its filter, with Redis up or frozen', {
  timeout: 240_000,
}, async () => {
  const { apiId } = (await call(a.address, rootKey, 'apis.createApi', { name: 'two nodes' })).body.data;
  // B's first miss builds its filter; from then on B answers unknown keys without a lookup each.
  expect(await verifiedCode(b, generateKey(16, null, 'checksummed').plaintext)).toBe('NOT_FOUND');
  await until(async () => (await metric(b, 'keyward_key_filter_builds_total', 'built')) === 1, "B's filter is built");
  const answeredByFilter = async () => {
    const before = await metric(b, 'keyward_key_filter_checks_total', 'unknown');
    expect(await verifiedCode(b, generateKey(16, null, 'base58').plaintext)).toBe('NOT_FOUND');
    expect(await metric(b, 'keyward_key_filter_checks_total', 'unknown')).toBe(before + 1);
  };
  await answeredByFilter();

  // Redis up: the very next request to B, without waiting.
  for (let i = 0; i < 5; i++) expect(await verifiedCode(b, await createdOnA(apiId))).toBe('VALID');

  // Redis frozen: A's publish goes nowhere, B hears nothing from Redis; the change-log read B's "no" waits for has the key.
  redis.freeze();
  try {
    const lateBefore = await metric(b, 'keyward_key_filter_checks_total', 'late');
    for (let i = 0; i < 5; i++) expect(await verifiedCode(b, await createdOnA(apiId))).toBe('VALID');
    // Those were filter negatives, found in the change log: the path this test is about.
    expect(await metric(b, 'keyward_key_filter_checks_total', 'late')).toBeGreaterThanOrEqual(lateBefore + 1);
    await answeredByFilter();
  } finally {
    redis.thaw();
  }
});
