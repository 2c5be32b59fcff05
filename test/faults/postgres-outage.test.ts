import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../poll.js';
import { call, type KeywardNode, startNode, stopLaunched } from './nodes.js';
import { type OwnPostgres, startOwnPostgres } from './own-postgres.js';

/**
 * Issue 12, finding 1: a node over the test's own PostgreSQL, which the test terminates, stops and freezes under it.
 * The node must stay alive, keep answering cached verifications, answer 503 `database_unavailable` within its
 * timeouts for what needs the database, and come back by itself when PostgreSQL does (docs/operations.md,
 * "What happens when...").
 */

const CONNECT_TIMEOUT_MS = 1000;
const QUERY_TIMEOUT_MS = 1500;
const INVALIDATION_POLL_MS = 100;

let postgres: OwnPostgres;
let node: KeywardNode;
let rootKey: string;
let apiId: string;

const api = (operation: string, body: unknown) => call(node.address, rootKey, operation, body);
const alive = () => node.child.exitCode === null && node.child.signalCode === null;

async function newKey(extra: Record<string, unknown> = {}): Promise<{ key: string; keyId: string }> {
  const created = await api('keys.createKey', { apiId, ...extra });
  expect(created.status, JSON.stringify(created.body)).toBe(200);
  return created.body.data;
}

/** Store lookups of found keys so far (keyward_key_store_lookups_total): a verification served from the cache adds none. */
async function storeLookups(): Promise<number> {
  const text = await (await fetch(`${node.address}/metrics`)).text();
  return Number(/^keyward_key_store_lookups_total\{result="found"\} (\d+)$/m.exec(text)?.[1]);
}

/**
 * Verifies `key` until one verification is answered from the node's cache. Waits first for the node to have read its
 * own key creations back from the change log (each a `key` invalidation, KEYWARD_INVALIDATION_POLL_MS): one arriving
 * after the key was cached would drop it, and one arriving during its lookup keeps the lookup from being cached.
 */
async function cached(key: string): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 5 * INVALIDATION_POLL_MS));
  await until(async () => {
    expect((await api('keys.verifyKey', { key })).body.data.code).toBe('VALID');
    const before = await storeLookups();
    expect((await api('keys.verifyKey', { key })).body.data.code).toBe('VALID');
    return (await storeLookups()) === before;
  }, 'a verification answered from the cache');
}

/** Polls a database call until it answers 200; returns the ms from `since` to that answer. */
async function recoveredAfter(since: number): Promise<number> {
  let at = 0;
  await until(
    async () => {
      const answer = await api('apis.getApi', { apiId });
      at = performance.now();
      return answer.status === 200;
    },
    'a database call answers 200 again',
    { deadlineMs: 15_000, everyMs: 20 },
  );
  return at - since;
}

function expectUnavailable(answer: { status: number; body: any; ms: number }): void {
  expect(answer.status, JSON.stringify(answer.body)).toBe(503);
  expect(answer.body.error).toMatchObject({
    status: 503,
    title: 'Service Unavailable',
    type: 'https://unkey.com/docs/errors/keyward/dependency/database_unavailable',
  });
  expect(answer.body.meta.requestId).toMatch(/^req_/);
}

beforeAll(async () => {
  postgres = await startOwnPostgres();
  const env = {
    KEYWARD_DATABASE_URL: postgres.url,
    KEYWARD_LOG_LEVEL: 'warn',
    KEYWARD_DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
    KEYWARD_DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
    // Short, so the outage below outlasts the fresh time and verifications are served from the stale window.
    KEYWARD_CACHE_FRESH_MS: '200',
    KEYWARD_INVALIDATION_POLL_MS: String(INVALIDATION_POLL_MS),
  };
  node = await startNode(env);
  // The first start creates the workspace and prints its root key once (src/cli/start.ts): no bootstrap process.
  const printed = () => /Root key \(shown once[^:]*\): (\S+)/.exec(node.output.stdout + node.output.stderr)?.[1];
  await until(() => printed() !== undefined, 'the first start prints its root key');
  rootKey = printed()!;
  apiId = (await api('apis.createApi', { name: 'outage' })).body.data.apiId;
}, 90_000);

afterAll(async () => {
  await stopLaunched();
  await postgres?.remove();
}, 60_000);

describe('a node whose PostgreSQL goes away', { timeout: 60_000 }, () => {
  it('survives pg_terminate_backend on its idle connections and answers the next call', async () => {
    // Warm a few pooled connections, then end them while they sit idle.
    await Promise.all(Array.from({ length: 4 }, () => api('apis.getApi', { apiId })));
    expect(await postgres.terminateConnections('keyward')).toBeGreaterThan(0);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(alive(), node.output.stderr).toBe(true);
    expect((await api('apis.getApi', { apiId })).status).toBe(200);
  });

  it('survives a fast stop; recovers by itself once PostgreSQL is back', async () => {
    await api('apis.getApi', { apiId });
    await postgres.stop('fast');
    const refused = await api('apis.getApi', { apiId });
    expectUnavailable(refused);
    expect(alive(), node.output.stderr).toBe(true);
    const started = performance.now();
    await postgres.start();
    const ready = performance.now();
    const recovery = await recoveredAfter(ready);
    console.log(
      `fast stop: refusal in ${refused.ms.toFixed(0)} ms; start() took ${(ready - started).toFixed(0)} ms, ` +
        `first 200 ${recovery.toFixed(0)} ms after it returned`,
    );
    expect(alive()).toBe(true);
  });

  it('during a 10 s crash (immediate stop): stays alive, serves cached verifications, refuses charges with 503, loses no credit', async () => {
    const plain = await newKey();
    const limited = await newKey({ credits: { remaining: 10 } });
    await cached(plain.key);
    expect((await api('keys.verifyKey', { key: limited.key })).body.data).toMatchObject({ code: 'VALID', credits: 9 });

    await postgres.stop('immediate');
    const downAt = performance.now();
    let charged = 1;
    const refusals: number[] = [];
    const verifications: string[] = [];
    while (performance.now() - downAt < 10_000) {
      verifications.push((await api('keys.verifyKey', { key: plain.key })).body?.data?.code);
      const charge = await api('keys.verifyKey', { key: limited.key });
      if (charge.status === 200 && charge.body.data.code === 'VALID') charged++;
      else {
        expectUnavailable(charge);
        refusals.push(charge.ms);
      }
      const write = await api('keys.createKey', { apiId });
      expectUnavailable(write);
      refusals.push(write.ms);
      expect(alive(), node.output.stderr).toBe(true);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    // A key without credits needs nothing from the database while its entry is within the stale window.
    expect(new Set(verifications)).toEqual(new Set(['VALID']));
    expect(refusals.length).toBeGreaterThan(0);
    const worst = Math.max(...refusals);
    expect(worst).toBeLessThan(CONNECT_TIMEOUT_MS + QUERY_TIMEOUT_MS + 1000);

    const started = performance.now();
    await postgres.start();
    const ready = performance.now();
    const recovery = await recoveredAfter(ready);
    const after = await api('keys.getKey', { keyId: limited.keyId });
    // Every charge answered VALID was spent once, and no refused one was.
    expect(after.body.data.credits.remaining).toBe(10 - charged);
    console.log(
      `immediate stop 10 s: ${verifications.length} cached verifications all VALID; ${refusals.length} refusals, ` +
        `median ${refusals.sort((a, b) => a - b)[refusals.length >> 1]!.toFixed(0)} ms, worst ${worst.toFixed(0)} ms; ` +
        `start() took ${(ready - started).toFixed(0)} ms, first 200 ${recovery.toFixed(0)} ms after it returned`,
    );
  });

  it('while PostgreSQL is frozen: answers 503 within the query timeout, stays alive, recovers on thaw', async () => {
    await api('apis.getApi', { apiId });
    await postgres.freeze();
    try {
      const refused = await api('apis.getApi', { apiId });
      expectUnavailable(refused);
      expect(refused.ms).toBeLessThan(CONNECT_TIMEOUT_MS + QUERY_TIMEOUT_MS + 1000);
      const write = await api('keys.createKey', { apiId });
      expectUnavailable(write);
      console.log(`frozen: read refused in ${refused.ms.toFixed(0)} ms, transaction refused in ${write.ms.toFixed(0)} ms`);
      expect(alive(), node.output.stderr).toBe(true);
    } finally {
      await postgres.thaw();
    }
    const thawed = performance.now();
    console.log(`frozen: first 200 ${(await recoveredAfter(thawed)).toFixed(0)} ms after thaw`);
    expect(alive()).toBe(true);
  });
});
