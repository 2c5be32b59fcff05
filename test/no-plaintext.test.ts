import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { startTestServer, type EngineName, type TestServer } from './harness.js';

/**
 * Promise 1: no plaintext key at rest or in a log. Keys are created, verified, looked up, rerolled
 * and sent inside bad requests; afterwards no key (nor the root key) appears in the database files,
 * any PostgreSQL row, the log lines (written at trace level) or the audit records.
 */

async function exercise(t: TestServer): Promise<string[]> {
  const secrets = [t.rootKey];
  const api = await t.call('apis.createApi', { name: 'secrets' });
  const apiId = api.body.data.apiId;
  for (let i = 0; i < 5; i++) {
    const created = await t.call('keys.createKey', { apiId, prefix: 'sk', name: `key ${i}`, externalId: `user_${i}`, credits: { remaining: 3 } });
    const key: string = created.body.data.key;
    secrets.push(key);
    await t.call('keys.verifyKey', { key });
    await t.call('keys.verifyKey', { key, credits: { cost: 10 } });
    await t.call('keys.whoami', { key });
    // Bad input carrying the key: the error must not echo it.
    const bad = await t.call('keys.verifyKey', { key, unexpected: true });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).not.toContain(key);
    const rerolled = await t.call('keys.rerollKey', { keyId: created.body.data.keyId, expiration: 60_000 });
    secrets.push(rerolled.body.data.key);
    await t.call('keys.verifyKey', { key: rerolled.body.data.key });
  }
  const unknownRoot = 'kw_root_this_one_is_not_real_0000';
  secrets.push(unknownRoot);
  expect((await t.call('apis.getApi', { apiId }, { rootKey: unknownRoot })).status).toBe(401);
  await t.server.runJobs();
  return secrets;
}

function expectAbsent(haystack: string, secrets: string[], where: string): void {
  for (const secret of secrets) {
    if (haystack.includes(secret)) throw new Error(`a plaintext key appears in ${where}`);
  }
}

async function postgresDump(databaseUrl: string): Promise<string> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>(
      `SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()`,
    );
    let dump = '';
    for (const { table_name } of tables.rows) {
      const rows = await client.query(`SELECT * FROM "${table_name.replaceAll('"', '""')}"`);
      dump += JSON.stringify(rows.rows);
    }
    return dump;
  } finally {
    await client.end();
  }
}

for (const engine of ['sqlite', 'postgres'] as EngineName[]) {
  describe(`no plaintext key at rest or in logs (${engine})`, () => {
    it('keeps keys out of the database, the logs and the audit log', async () => {
      let logs = '';
      const t = await startTestServer({ engine, env: { KEYWARD_LOG_LEVEL: 'trace' }, logStream: { write: (line) => void (logs += line) } });
      try {
        const secrets = await exercise(t);
        expect(secrets.length).toBeGreaterThan(10);

        const audit = await t.server.store.listAudit({ workspaceId: t.workspaceId, limit: 10_000 });
        expect(audit.length).toBeGreaterThan(10);
        expectAbsent(JSON.stringify(audit), secrets, 'the audit log');
        expectAbsent(logs, secrets, 'the logs');

        if (engine === 'sqlite') {
          // Close first so the WAL is checkpointed; then read every file the database left behind.
          const dir = join(t.databaseUrl, '..');
          await t.server.close();
          for (const file of readdirSync(dir)) expectAbsent(readFileSync(join(dir, file)).toString('latin1'), secrets, file);
          // And the hashes really are there: the check above would pass trivially on an empty file.
          expect(readFileSync(t.databaseUrl).length).toBeGreaterThan(10_000);
        } else {
          const dump = await postgresDump(t.databaseUrl);
          expect(dump).toContain('"hash"');
          expectAbsent(dump, secrets, 'the PostgreSQL rows');
        }
      } finally {
        await t.close();
      }
    });
  });
}
