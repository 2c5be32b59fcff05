import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { createServer, type KeywardServer } from '../../src/server.js';
import { until } from '../poll.js';
import { call } from './nodes.js';
import { type OwnPostgres, startOwnPostgres } from './own-postgres.js';
import { TcpProxy } from './tcp-proxy.js';

/**
 * Issue 12, finding 1: the network between a node and PostgreSQL stalls (TcpProxy.stall: connections stay open,
 * nothing answers). Calls that need the database end in about the timeout with 503 (not after the stall), a stalled
 * connection is discarded rather than reused, background jobs fail without loss and write what was pending once the
 * path is back, the log says so in a few lines, and keyward_database_up follows. An in-process server, so the test
 * can run its background jobs and read its log.
 */

const CONNECT_TIMEOUT_MS = 1000;
const QUERY_TIMEOUT_MS = 1000;
/** statement_timeout cannot fire when nothing reaches the server: the client gives up 500 ms after it. */
const CLIENT_GIVES_UP_MS = QUERY_TIMEOUT_MS + 500;

let postgres: OwnPostgres;
let proxy: TcpProxy;
let server: KeywardServer;
let address: string;
let rootKey: string;
let apiId: string;
let dataDir: string;
const logLines: string[] = [];

const api = (operation: string, body: unknown) => call(address, rootKey, operation, body);
const databaseUp = async () => /keyward_database_up (\d)/.exec(await (await fetch(`${address}/metrics`)).text())?.[1];

beforeAll(async () => {
  postgres = await startOwnPostgres();
  proxy = new TcpProxy(postgres.port);
  await proxy.listen();
  dataDir = mkdtempSync(join(tmpdir(), 'keyward-stall-'));
  const config = loadConfig({
    KEYWARD_PORT: '0',
    KEYWARD_DATA_DIR: dataDir,
    KEYWARD_DATABASE_URL: proxy.url(postgres.url),
    KEYWARD_LOG_LEVEL: 'warn',
    KEYWARD_DATABASE_CONNECT_TIMEOUT_MS: String(CONNECT_TIMEOUT_MS),
    KEYWARD_DATABASE_QUERY_TIMEOUT_MS: String(QUERY_TIMEOUT_MS),
  });
  server = await createServer({ config, backgroundJobs: false, logStream: { write: (line) => logLines.push(line) } });
  rootKey = (await server.services.workspaces.bootstrap()).rootKey;
  address = await server.listen();
  apiId = (await api('apis.createApi', { name: 'stall' })).body.data.apiId;
}, 60_000);

afterAll(async () => {
  await server?.close();
  await proxy?.close();
  await postgres?.remove();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}, 60_000);

describe('a stalled network between a node and PostgreSQL', { timeout: 60_000 }, () => {
  it('ends reads and transactions in about the timeout with 503, discards the stalled connections, and recovers', async () => {
    const keys = await Promise.all(
      Array.from({ length: 4 }, async () => (await api('keys.createKey', { apiId })).body.data as { keyId: string }),
    );
    expect(await databaseUp()).toBe('1');
    proxy.stall();
    let read: Awaited<ReturnType<typeof api>>;
    let write: Awaited<ReturnType<typeof api>>;
    try {
      [read, write] = await Promise.all([api('keys.getKey', { keyId: keys[0]!.keyId }), api('keys.createKey', { apiId })]);
      expect(await databaseUp()).toBe('0');
    } finally {
      proxy.restore();
    }
    for (const answer of [read, write]) {
      expect(answer.status, JSON.stringify(answer.body)).toBe(503);
      expect(answer.body.error.type).toBe('https://unkey.com/docs/errors/keyward/dependency/database_unavailable');
    }
    // A pooled connection gives up after the client's timeout; a transaction does not wait a second one for its ROLLBACK.
    expect(read.ms).toBeLessThan(CLIENT_GIVES_UP_MS + 1500);
    expect(write.ms).toBeLessThan(CLIENT_GIVES_UP_MS + 1500);
    console.log(`stall: read refused in ${read.ms.toFixed(0)} ms, transaction refused in ${write.ms.toFixed(0)} ms`);

    // Had a stalled connection gone back to the pool, the late answers restore delivers would answer later queries.
    const restoredAt = performance.now();
    const answers = await Promise.all(keys.map(({ keyId }) => api('keys.getKey', { keyId })));
    console.log(`stall: first answers ${(performance.now() - restoredAt).toFixed(0)} ms after restore`);
    expect(answers.map((a) => a.body.data?.keyId)).toEqual(keys.map((k) => k.keyId));
    expect(await databaseUp()).toBe('1');
  });

  it('background jobs fail without crashing while cut off, keep what is pending, and write it once the path is back', async () => {
    const { key, keyId } = (await api('keys.createKey', { apiId })).body.data as { key: string; keyId: string };
    // Its use waits in memory for the next job (a use within a minute of it is not noted again: usage-buffer.ts).
    expect((await api('keys.verifyKey', { key })).body.data.code).toBe('VALID');

    proxy.cut();
    try {
      // Cached: verified with the database away; the jobs fail and keep the pending use.
      expect((await api('keys.verifyKey', { key })).body.data.code).toBe('VALID');
      await expect(server.runJobs()).rejects.toThrow();
      await expect(server.runJobs()).rejects.toThrow();
    } finally {
      proxy.restore();
    }
    expect((await api('keys.getKey', { keyId })).body.data).not.toHaveProperty('lastUsedAt');
    await server.runJobs();
    expect((await api('keys.getKey', { keyId })).body.data.lastUsedAt).toBeGreaterThan(0);
  });

  it('logs the cause once per 10 s at most, not once per refused call', async () => {
    proxy.cut();
    try {
      for (let i = 0; i < 30; i++) expect((await api('apis.getApi', { apiId })).status).toBe(503);
    } finally {
      proxy.restore();
    }
    await until(async () => (await api('apis.getApi', { apiId })).status === 200, 'the database answers again');
    // Every line of this file's server: three outages and dozens of failed calls and jobs.
    const lines = logLines.map((line) => JSON.parse(line) as { msg: string; failures?: number; err?: unknown });
    const unavailable = lines.filter((line) => line.msg.startsWith('database unavailable'));
    expect(unavailable.length).toBeGreaterThan(0);
    expect(unavailable.length).toBeLessThanOrEqual(Math.ceil(performance.now() / 10_000));
    expect(unavailable[0]!.err).toBeDefined();
    expect(lines.some((line) => line.msg === 'database answers again')).toBe(true);
    console.log(`log: ${lines.length} lines in all: ${lines.map((l) => `${l.msg.slice(0, 40)} (${l.failures ?? 1})`).join(' | ')}`);
  });
});
