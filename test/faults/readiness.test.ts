import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { until } from '../poll.js';
import { type KeywardNode, runToEnd, startNode, stopLaunched } from './nodes.js';
import { type OwnPostgres, startOwnPostgres } from './own-postgres.js';
import { type OwnRedis, startOwnRedis } from './own-redis.js';

/**
 * Finding 10 of issue 12 (docs/operations.md, "Readiness: what a load balancer checks"): GET /v2/readiness answers 503,
 * naming what failed, while the database or Redis does not answer, and 200 again once they do; liveness stays 200.
 */

let postgres: OwnPostgres;
let redis: OwnRedis;
let node: KeywardNode;

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startOwnPostgres(), startOwnRedis()]);
  const vars = { KEYWARD_DATABASE_URL: postgres.url, KEYWARD_REDIS_URL: redis.url, KEYWARD_LOG_LEVEL: 'warn' };
  await runToEnd(['bootstrap', '--json'], vars);
  node = await startNode(vars);
}, 120_000);

afterAll(async () => {
  await stopLaunched();
  await Promise.all([postgres?.remove(), redis?.remove()]);
}, 60_000);

async function probe(path: 'readiness' | 'liveness') {
  const started = performance.now();
  const response = await fetch(`${node.address}/v2/${path}`, { signal: AbortSignal.timeout(5_000) });
  return { status: response.status, body: (await response.json()) as any, ms: performance.now() - started };
}

/** Polls readiness until it answers `status`; returns that answer and how long it took to come. */
async function readinessBecomes(status: number, what: string) {
  const started = performance.now();
  let last = await probe('readiness');
  await until(
    async () => {
      last = await probe('readiness');
      return last.status === status;
    },
    what,
    { deadlineMs: 15_000, everyMs: 50 },
  );
  return { ...last, afterMs: performance.now() - started };
}

describe('GET /v2/readiness', { timeout: 60_000 }, () => {
  it('is 200 with both dependencies answering, and needs no key', async () => {
    const ready = await probe('readiness');
    expect(ready.status).toBe(200);
    expect(ready.body.data).toEqual({ ready: true, shuttingDown: false, database: 'ok', redis: 'ok' });
  });

  it('is 503 naming the database while PostgreSQL does not answer, 200 again once it does', async () => {
    // Frozen rather than stopped: the statement hangs, so readiness must answer within its own time limit.
    await postgres.freeze();
    try {
      const down = await readinessBecomes(503, 'readiness 503 with PostgreSQL frozen');
      expect(down.body.data).toMatchObject({ ready: false, database: 'timeout', redis: 'ok' });
      expect((await probe('liveness')).status).toBe(200);
      console.log(`PostgreSQL frozen: readiness 503 after ${down.afterMs.toFixed(0)} ms, each answer in ${down.ms.toFixed(0)} ms`);
    } finally {
      await postgres.thaw();
    }
    const back = await readinessBecomes(200, 'readiness 200 with PostgreSQL back');
    console.log(`PostgreSQL thawed: readiness 200 after ${back.afterMs.toFixed(0)} ms`);
  });

  it('is 503 naming the database while PostgreSQL is stopped, and the node lives on to be 200 again', async () => {
    // Stopped: connections are refused at once, so readiness says `unavailable` rather than `timeout`.
    await postgres.stop('immediate');
    try {
      const down = await readinessBecomes(503, 'readiness 503 with PostgreSQL stopped');
      expect(down.body.data).toMatchObject({ ready: false, database: 'unavailable', redis: 'ok' });
      expect((await probe('liveness')).status).toBe(200);
      console.log(`PostgreSQL stopped: readiness 503 after ${down.afterMs.toFixed(0)} ms, answered in ${down.ms.toFixed(0)} ms`);
    } finally {
      await postgres.start();
    }
    const back = await readinessBecomes(200, 'readiness 200 with PostgreSQL started again');
    console.log(`PostgreSQL started: readiness 200 after ${back.afterMs.toFixed(0)} ms`);
  });

  it('is 503 naming Redis while Redis is down, 200 again once it is back', async () => {
    await redis.kill();
    try {
      const down = await readinessBecomes(503, 'readiness 503 with Redis killed');
      expect(down.body.data).toMatchObject({ ready: false, database: 'ok', redis: 'unavailable' });
      expect((await probe('liveness')).status).toBe(200);
      console.log(`Redis killed: readiness 503 after ${down.afterMs.toFixed(0)} ms, answered in ${down.ms.toFixed(0)} ms`);
    } finally {
      await redis.start();
    }
    const back = await readinessBecomes(200, 'readiness 200 with Redis back');
    console.log(`Redis restarted: readiness 200 after ${back.afterMs.toFixed(0)} ms`);
  });

  it('on SIGTERM over PostgreSQL and Redis: 503 at once, then exit 0 with the store and Redis closed', async () => {
    const signalled = performance.now();
    node.child.kill('SIGTERM');
    const stopping = await readinessBecomes(503, 'readiness 503 after SIGTERM');
    expect(stopping.body.data).toEqual({ ready: false, shuttingDown: true, database: 'unchecked', redis: 'unchecked' });
    expect(await node.exited).toBe(0);
    console.log(`SIGTERM over PostgreSQL and Redis: exit 0 after ${(performance.now() - signalled).toFixed(0)} ms`);
  });
});
