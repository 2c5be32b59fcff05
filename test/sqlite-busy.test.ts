import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';
import { newApi, newKey } from './key-fixtures.js';

/**
 * Issue 12, finding 5 on SQLite: another process holds the database file's write lock past busy_timeout (5 s,
 * storage/sqlite/open.ts). A write answers 503 `database_unavailable` with the error envelope, not a generic 500, and
 * goes through once the lock is released; reads keep answering meanwhile (WAL).
 */

let t: TestServer;
const logLines: string[] = [];

beforeAll(async () => {
  t = await startTestServer({ engine: 'sqlite', env: { KEYWARD_LOG_LEVEL: 'warn' }, logStream: { write: (line) => logLines.push(line) } });
});
afterAll(async () => {
  await t?.close();
});

describe('SQLite locked by another writer', { timeout: 30_000 }, () => {
  it('answers a write 503 database_unavailable, logs the cause, and writes again once the lock is gone', async () => {
    const apiId = await newApi(t);
    const { keyId } = await newKey(t, { apiId });
    const other = new Database(t.databaseUrl);
    other.exec('BEGIN IMMEDIATE');
    try {
      const started = performance.now();
      const refused = await t.call('keys.updateKey', { keyId, name: 'renamed' });
      expect(refused.status, JSON.stringify(refused.body)).toBe(503);
      expect(refused.body.error).toMatchObject({
        status: 503,
        type: 'https://unkey.com/docs/errors/keyward/dependency/database_unavailable',
      });
      console.log(`SQLITE_BUSY: refused after ${(performance.now() - started).toFixed(0)} ms`);
      expect((await t.call('keys.getKey', { keyId })).status).toBe(200);
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    const lines = logLines.map((line) => JSON.parse(line) as { msg: string; err?: { code?: string } });
    expect(lines.find((line) => line.msg.startsWith('database unavailable'))?.err?.code).toBe('SQLITE_BUSY');
    expect((await t.call('keys.updateKey', { keyId, name: 'renamed' })).status).toBe(200);
    expect((await t.call('keys.getKey', { keyId })).body.data.name).toBe('renamed');
  });
});
