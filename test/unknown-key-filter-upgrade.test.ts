import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateKey } from '../src/core/key-format.js';
import { freshPostgresSchema } from './harness.js';
import { call, type KeywardNode, runToEnd, startEarlierVersionNode, startNode, stopLaunched } from './faults/nodes.js';
import { until } from './poll.js';

/**
 * The unknown-key filter during a rolling upgrade (docs/decisions/0034-filter-negatives-during-rolling-upgrades.md):
 * node A runs as a version before new key hashes were logged (test/faults/earlier-version-node.ts: it creates keys
 * without logging their hash and its registry row does not advertise that it does), node B as this version, sharing
 * PostgreSQL. While A is up, B answers no unknown key from its filter alone, so a key created on A verifies on B at
 * once; once A has stopped, B trusts its filter again, built anew, so a key A created before stopping verifies too.
 * No Redis, and the change log polled once a minute: nothing but the store lookup can bring B a key A created.
 */

let schema: { url: string; drop: () => Promise<void> };
let rootKey: string;
let a: KeywardNode;
let b: KeywardNode;

beforeAll(async () => {
  schema = await freshPostgresSchema();
  const env = {
    KEYWARD_DATABASE_URL: schema.url,
    KEYWARD_LOG_LEVEL: 'warn',
    KEYWARD_INVALIDATION_POLL_MS: '60000',
    KEYWARD_NODE_HEARTBEAT_SECONDS: '1',
  };
  rootKey = (JSON.parse(await runToEnd(['bootstrap', '--json'], env)) as { rootKey: string }).rootKey;
  // Generous: on a loaded machine a node can take over a minute to start (A from the source, through tsx).
  [a, b] = await Promise.all([startEarlierVersionNode(env, { timeoutMs: 240_000 }), startNode(env, { timeoutMs: 240_000 })]);
}, 300_000);

afterAll(async () => {
  await stopLaunched();
  await schema?.drop();
}, 60_000);

async function metric(node: KeywardNode, name: string, result: string): Promise<number> {
  const text = await (await fetch(`${node.address}/metrics`)).text();
  return Number(new RegExp(`${name}\\{result="${result}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
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

/** B answers an unknown key from its filter, without a store lookup. */
async function answeredByFilter(): Promise<boolean> {
  const before = await metric(b, 'keyward_key_filter_checks_total', 'unknown');
  expect(await verifiedCode(b, generateKey(16, null, 'base58').plaintext)).toBe('NOT_FOUND');
  return (await metric(b, 'keyward_key_filter_checks_total', 'unknown')) > before;
}

it('a key created on a node of an earlier version verifies on an upgraded node at once, and after that node has left', {
  timeout: 240_000,
}, async () => {
  const { apiId } = (await call(b.address, rootKey, 'apis.createApi', { name: 'rolling upgrade' })).body.data;
  // B's first miss builds its filter.
  expect(await verifiedCode(b, generateKey(16, null, 'checksummed').plaintext)).toBe('NOT_FOUND');
  await until(async () => (await metric(b, 'keyward_key_filter_builds_total', 'built')) >= 1, "B's filter is built");

  // B learns of A from the node registry at its next heartbeat (1 s here): a node that read the registry before A's row
  // was there trusts its filter until then (decision 0034, "not covered"). CI saw B answer NOT_FOUND in that second.
  await until(async () => !(await answeredByFilter()), 'B sees A in the registry and stops trusting its filter', {
    deadlineMs: 30_000,
    everyMs: 200,
  });
  // A is up and does not log new keys: B looks up every key its filter does not hold.
  for (let i = 0; i < 3; i++) expect(await verifiedCode(b, await createdOnA(apiId))).toBe('VALID');
  expect(await metric(b, 'keyward_key_filter_checks_total', 'untrusted')).toBeGreaterThanOrEqual(3);
  expect(await answeredByFilter()).toBe(false);

  // A key A creates just before it stops, which B has never seen.
  const createdBeforeLeaving = await createdOnA(apiId);
  a.child.kill('SIGTERM');
  expect(await a.exited).toBe(0);
  // Within a heartbeat or two B sees every live node advertise the log, and answers unknown keys from its filter again.
  await until(answeredByFilter, 'B answers unknown keys from its filter once A has left', { deadlineMs: 60_000, everyMs: 200 });
  // The filter B trusts again was built after A left: it holds the key A created without logging it.
  expect(await verifiedCode(b, createdBeforeLeaving)).toBe('VALID');
});
