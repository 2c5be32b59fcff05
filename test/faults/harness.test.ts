import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OwnPostgres, startOwnPostgres } from './own-postgres.js';
import { type OwnRedis, startOwnRedis } from './own-redis.js';
import { TcpProxy } from './tcp-proxy.js';

/** The fault harness does what the fault tests rely on: each fault is seen by a real client. */

let postgres: OwnPostgres;
let redis: OwnRedis;

beforeAll(async () => {
  [postgres, redis] = await Promise.all([startOwnPostgres(), startOwnRedis()]);
}, 60_000);

afterAll(async () => {
  await Promise.all([postgres?.remove(), redis?.remove()]);
}, 60_000);

/** Resolves once the client is connected; with a 50 ms retry it may already be, before anyone listens for 'ready'. */
const connected = (client: Redis) =>
  client.status === 'ready' ? Promise.resolve() : new Promise((resolve) => client.once('ready', resolve));

const ping = (client: Redis, ms = 300) =>
  Promise.race([client.ping(), new Promise((resolve) => setTimeout(() => resolve('no answer'), ms))]);

describe('the fault harness', { timeout: 60_000 }, () => {
  it('PostgreSQL: terminate, freeze and stop are each seen by a client, and it comes back', async () => {
    const client = new pg.Client({ connectionString: postgres.url, application_name: 'victim' });
    const errors: Error[] = [];
    client.on('error', (error) => errors.push(error));
    await client.connect();
    expect(await postgres.terminateConnections('victim')).toBe(1);
    await expect(client.query('SELECT 1')).rejects.toThrow();

    const frozenClient = new pg.Client({ connectionString: postgres.url });
    await frozenClient.connect();
    await postgres.freeze();
    const answer = frozenClient.query('SELECT 1 AS one');
    const early = await Promise.race([answer.then(() => 'answered'), new Promise((r) => setTimeout(() => r('waiting'), 300))]);
    expect(early).toBe('waiting');
    await postgres.thaw();
    expect((await answer).rows[0].one).toBe(1);
    await frozenClient.end();

    await postgres.stop('immediate');
    await expect(new pg.Client({ connectionString: postgres.url }).connect()).rejects.toThrow(/ECONNREFUSED/);
    await postgres.start();
    const again = new pg.Client({ connectionString: postgres.url });
    await again.connect();
    expect((await again.query('SELECT 2 AS two')).rows[0].two).toBe(2);
    await again.end();
  });

  it('Redis: kill, freeze and restart are each seen by a client', async () => {
    const client = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    client.on('error', () => undefined);
    expect(await client.ping()).toBe('PONG');
    redis.freeze();
    expect(await ping(client)).toBe('no answer');
    redis.thaw();
    await redis.kill();
    await expect(client.ping()).rejects.toThrow();
    await redis.start();
    await connected(client);
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
  });

  it('TcpProxy: cut resets one path while the server stays up; stall holds data until restore', async () => {
    const proxy = new TcpProxy(redis.port);
    await proxy.listen();
    const client = new Redis(proxy.url(redis.url), { maxRetriesPerRequest: 0, retryStrategy: () => 50 });
    client.on('error', () => undefined);
    expect(await client.ping()).toBe('PONG');
    proxy.stall();
    const late = client.ping();
    expect(await ping(client)).toBe('no answer');
    proxy.restore();
    expect(await late).toBe('PONG');
    proxy.cut();
    await expect(client.ping()).rejects.toThrow();
    const direct = new Redis(redis.url);
    expect(await direct.ping()).toBe('PONG');
    proxy.restore();
    await connected(client);
    expect(await client.ping()).toBe('PONG');
    client.disconnect();
    direct.disconnect();
    await proxy.close();
  });
});
