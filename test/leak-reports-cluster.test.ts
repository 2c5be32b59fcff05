import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freshPostgresSchema } from './harness.js';
import { type KeywardNode as Node, runToEnd, startNode, stopLaunched } from './faults/nodes.js';
import { until } from './poll.js';

/**
 * Leak reports on two real nodes sharing PostgreSQL and Redis (decision 0018): a report received by one node disables the
 * key on the other at once, though the other had it cached as valid, and the same report sent to the other node is a
 * replay (the digest lives in the database, not in either process).
 */

const REDIS_URL = process.env.KEYWARD_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
const keysFile = join(mkdtempSync(join(tmpdir(), 'keyward-leak-cluster-')), 'leak-keys.json');
writeFileSync(keysFile, JSON.stringify({ 'cluster-key': publicKey.export({ type: 'spki', format: 'pem' }).toString() }));

let schema: { url: string; drop: () => Promise<void> };
let rootKey: string;
let a: Node;
let b: Node;

const call = async (node: Node, operation: string, body: unknown) => {
  const response = await fetch(`${node.address}/v2/${operation}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${rootKey}` },
    body: JSON.stringify(body),
  });
  return (await response.json()) as any;
};

const report = async (node: Node, body: string) => {
  const response = await fetch(`${node.address}/v2/leaks.report`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'github-public-key-identifier': 'cluster-key',
      'github-public-key-signature': sign('sha256', Buffer.from(body), { key: privateKey, dsaEncoding: 'der' }).toString('base64'),
    },
    body,
  });
  return { status: response.status, body: (await response.json()) as any };
};

beforeAll(async () => {
  schema = await freshPostgresSchema();
  const env = {
    KEYWARD_DATABASE_URL: schema.url,
    KEYWARD_REDIS_URL: REDIS_URL,
    KEYWARD_LOG_LEVEL: 'warn',
    KEYWARD_REDIS_TIMEOUT_MS: '10000',
    KEYWARD_LEAK_REPORT_KEYS: keysFile,
  };
  rootKey = (JSON.parse(await runToEnd(['bootstrap', '--json'], env)) as { rootKey: string }).rootKey;
  [a, b] = await Promise.all([startNode(env), startNode(env)]);
}, 120_000);

afterAll(async () => {
  await stopLaunched();
  await schema?.drop();
}, 60_000);

it('a report to one node disables the key on the other at once, and the same report to the other node is a replay', {
  timeout: 120_000,
}, async () => {
  const { apiId } = (await call(a, 'apis.createApi', { name: 'leaky' })).data;
  const { keyId, key } = (await call(a, 'keys.createKey', { apiId })).data;
  // Cached as valid on node b.
  expect((await call(b, 'keys.verifyKey', { key })).data.code).toBe('VALID');

  const body = JSON.stringify([{ token: key, type: 'keyward_api_key', url: 'https://github.com/o/r/blob/x/.env', source: 'content' }]);
  const first = await report(a, body);
  expect(first.status).toBe(200);
  expect(first.body).toMatchObject([{ label: 'true_positive' }]);

  // The invalidation reaches b through Redis at once (the change log within KEYWARD_INVALIDATION_POLL_MS otherwise).
  await until(async () => (await call(b, 'keys.verifyKey', { key })).data.code === 'DISABLED', 'node b refuses the leaked key', {
    deadlineMs: 1_000,
  });

  const replayed = await report(b, body);
  expect(replayed.status).toBe(409);
  expect((await call(b, 'keys.getKey', { keyId })).data.leaks).toHaveLength(1);
});
