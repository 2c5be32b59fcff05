import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { unwrapDek } from '../src/vault/local.js';
import { MasterKeyring, parseMasterKeys } from '../src/vault/master-keys.js';
import { openSqlVaultStore } from '../src/vault/sql-store.js';
import { startTestServer, type EngineName, type TestServer } from './harness.js';
import { runSql } from './raw-sql.js';
import { masterKey, recoverableApi, tempDir } from './vault-fixtures.js';

/**
 * docs/decisions/0007-keys-stored-as-sha256-hashes.md: no plaintext key at rest or in a log. Keys are created, verified, looked up, rerolled
 * and sent inside bad requests; afterwards no key (nor the root key) appears in the database files,
 * any PostgreSQL row, the log lines (written at trace level) or the audit records.
 *
 * Recoverable keys too (docs/decisions/0005-vault-split-across-three-places.md): they are created, decrypted through getKey and listKeys, and rerolled;
 * neither they, nor the master key, nor any unwrapped data key may appear anywhere, the vault store included.
 */

const MASTER_KEYS = masterKey(1);
const cleanups: (() => unknown)[] = [];
afterAll(() => {
  for (const cleanup of cleanups) cleanup();
});

/** Recoverable keys, read back through every decrypting path; returns their plaintexts. */
async function exerciseRecoverable(t: TestServer): Promise<string[]> {
  const apiId = await recoverableApi(t);
  const secrets: string[] = [];
  for (let i = 0; i < 3; i++) {
    const created = await t.call('keys.createKey', { apiId, prefix: 'rec', recoverable: true });
    secrets.push(created.body.data.key);
    expect((await t.call('keys.getKey', { keyId: created.body.data.keyId, decrypt: true })).body.data.plaintext).toBe(
      created.body.data.key,
    );
    const rerolled = await t.call('keys.rerollKey', { keyId: created.body.data.keyId, expiration: 0 });
    secrets.push(rerolled.body.data.key);
  }
  const listed = await t.call('apis.listKeys', { apiId, decrypt: true });
  expect(listed.body.data.map((k: { plaintext?: string }) => k.plaintext).sort()).toEqual([...secrets].sort());
  // A decryption that fails is logged (a warning naming the key): a line about a recoverable key, where its plaintext
  // must not appear either.
  const broken = await t.call('keys.createKey', { apiId, prefix: 'rec', recoverable: true });
  secrets.push(broken.body.data.key);
  await runSql(t.databaseUrl, 'UPDATE encrypted_keys SET ciphertext = ? WHERE key_id = ?', [
    'kw1.dek_tampered00.AAAA',
    broken.body.data.keyId,
  ]);
  expect((await t.call('keys.getKey', { keyId: broken.body.data.keyId, decrypt: true })).status).toBe(500);
  return secrets;
}

/** The master key and every data key of the vault store, unwrapped, in the forms they could leak in. */
async function vaultSecrets(vaultDir: string): Promise<string[]> {
  const keyring = new MasterKeyring(parseMasterKeys(MASTER_KEYS).keys);
  const store = await openSqlVaultStore(join(vaultDir, 'vault.sqlite'));
  try {
    const deks = await store.listDeksNotWrappedBy(0, undefined, 1000);
    expect(deks.length).toBeGreaterThan(0);
    const keys = [keyring.newest.key, ...deks.map((dek) => unwrapDek(dek, keyring))];
    return keys.flatMap((key) => [key.toString('latin1'), key.toString('base64'), key.toString('hex'), key.toString('base64url')]);
  } finally {
    await store.close();
  }
}

/** Every file under `dir`, subdirectories included. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => (statSync(join(dir, name)).isDirectory() ? filesUnder(join(dir, name)) : [join(dir, name)]));
}

async function exercise(t: TestServer): Promise<string[]> {
  const secrets = [t.rootKey];
  const api = await t.call('apis.createApi', { name: 'secrets' });
  const apiId = api.body.data.apiId;
  for (let i = 0; i < 5; i++) {
    const created = await t.call('keys.createKey', {
      apiId,
      prefix: 'sk',
      name: `key ${i}`,
      externalId: `user_${i}`,
      credits: { remaining: 3 },
    });
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
      const vault = tempDir();
      cleanups.push(vault.remove);
      const t = await startTestServer({
        engine,
        env: { KEYWARD_LOG_LEVEL: 'trace', KEYWARD_MASTER_KEYS: MASTER_KEYS, KEYWARD_VAULT_DIR: vault.dir },
        logStream: {
          write: (line) => {
            logs += line;
          },
        },
      });
      try {
        const secrets = [...(await exercise(t)), ...(await exerciseRecoverable(t)), ...(await vaultSecrets(vault.dir))];
        expect(secrets.length).toBeGreaterThan(10);

        const audit = await t.server.store.listAudit({ workspaceId: t.workspaceId, limit: 10_000 });
        expect(audit.length).toBeGreaterThan(10);
        expectAbsent(JSON.stringify(audit), secrets, 'the audit log');
        // The logs were captured at all, including the line the failed decryption wrote: the check below would pass
        // trivially on an empty capture.
        const logLines = logs
          .split('\n')
          .filter(Boolean)
          .map((line) => JSON.parse(line) as { msg: string });
        expect(logLines.map((line) => line.msg)).toContain('recoverable keys could not be decrypted');
        expectAbsent(logs, secrets, 'the logs');

        if (engine === 'sqlite') {
          // Close first so the WAL is checkpointed; then read every file the database left behind.
          const dir = join(t.databaseUrl, '..');
          await t.server.close();
          for (const file of [...filesUnder(dir), ...filesUnder(vault.dir)])
            expectAbsent(readFileSync(file).toString('latin1'), secrets, file);
          // And the hashes really are there: the check above would pass trivially on an empty file.
          expect(readFileSync(t.databaseUrl).length).toBeGreaterThan(10_000);
        } else {
          const dump = await postgresDump(t.databaseUrl);
          expect(dump).toContain('"hash"');
          expectAbsent(dump, secrets, 'the PostgreSQL rows');
          await t.server.close();
          for (const file of filesUnder(vault.dir)) expectAbsent(readFileSync(file).toString('latin1'), secrets, file);
        }
      } finally {
        await t.close();
      }
    });
  });
}
