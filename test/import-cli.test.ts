import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { hashKey } from '../src/core/key-format.js';
import { legacyHash, migratedKeyStart } from '../src/core/key-migration.js';
import { createServer, type KeywardServer } from '../src/server.js';
import { foreign } from './migration-fixtures.js';
import { KEYWARD_ENTRY } from './keyward-entry.js';

/**
 * `keyward import` through the real entry point (test/keyward-entry.ts) on a temporary
 * KEYWARD_DATA_DIR, with no KEYWARD_* variables inherited; a server on the same data directory checks
 * that the imported keys verify.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let dir: string;
let server: KeywardServer;
let workspaceId: string;
let rootKey: string;
let apiId: string;

function keyward(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { KEYWARD_DATA_DIR: dir };
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('KEYWARD_')) env[name] = value;
  return new Promise((resolve) => {
    execFile(process.execPath, [...KEYWARD_ENTRY, ...args], { cwd: ROOT, env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

async function call(operation: string, body: unknown): Promise<any> {
  const res = await server.app.inject({
    method: 'POST',
    url: `/v2/${operation}`,
    payload: body as object,
    headers: { authorization: `Bearer ${rootKey}`, 'content-type': 'application/json' },
  });
  return res.json();
}

const file = (name: string, text: string): string => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-import-cli-'));
  ({ workspaceId, rootKey } = JSON.parse((await keyward('bootstrap', '--json')).stdout));
  server = await createServer({
    config: loadConfig({ KEYWARD_DATA_DIR: dir, KEYWARD_PORT: '0', KEYWARD_LOG_LEVEL: 'silent' }),
    backgroundJobs: false,
  });
  apiId = (await call('apis.createApi', { name: 'imports' })).data.apiId;
}, 120_000);
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('keyward import', { timeout: 120_000 }, () => {
  it('imports a JSON export (sha256_hex) with a progress bar and a summary; a second run imports nothing; the keys verify with the migrationId', async () => {
    const keys = [foreign('sha256_hex'), foreign('sha256_hex'), foreign('sha256_hex')];
    const path = file(
      'keys.json',
      JSON.stringify([
        { hash: keys[0]!.hash, name: 'first', externalId: 'customer_1', meta: { plan: 'pro' }, credits: { remaining: 10 } },
        { hash: keys[1]!.hash.toUpperCase(), permissions: ['docs.read'], enabled: false },
        { hash: keys[2]!.hash, expires: 4_000_000_000_000, remaining: 5, refillInterval: 'daily', refillAmount: 5 },
      ]),
    );

    const first = await keyward('import', path, '--api', apiId, '--workspace', workspaceId, '--algorithm', 'sha256_hex');
    expect(first.code, first.stderr).toBe(0);
    const migrationId = /(?:Created|Using) migration (mig_\w+) \(sha256_hex\)\./.exec(first.stdout)?.[1];
    expect(migrationId).toBeDefined();
    expect(first.stdout).toBe(
      [
        `Created migration ${migrationId} (sha256_hex).`,
        `Imported 3 key(s) into API ${apiId} of workspace ${workspaceId}.`,
        'Skipped 0 key(s) already present.',
        'Failed 0 key(s).',
        `Verify imported keys with "migrationId": "${migrationId}" in keys.verifyKey; each moves to Keyward's hash on its first verification.`,
        '',
      ].join('\n'),
    );
    expect(first.stderr).toContain('Importing keys [##############################] 100% 3/3');

    const second = await keyward('import', path, '--api', apiId, '--workspace', workspaceId, '--algorithm', 'sha256_hex', '--json');
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout)).toEqual({
      migrationId,
      algorithm: 'sha256_hex',
      created: false,
      imported: 0,
      skipped: 3,
      failed: [],
    });

    const listed = (await call('apis.listKeys', { apiId })).data;
    expect(listed).toHaveLength(3);
    const first0 = listed.find((k: any) => k.name === 'first');
    expect(first0).toMatchObject({
      start: '(migrated)',
      meta: { plan: 'pro' },
      credits: { remaining: 10 },
      identity: { externalId: 'customer_1' },
    });

    expect((await call('keys.verifyKey', { key: keys[0]!.key })).data).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect((await call('keys.verifyKey', { key: keys[0]!.key, migrationId })).data).toMatchObject({
      valid: true,
      keyId: first0.keyId,
      credits: 9,
    });
    expect((await call('keys.verifyKey', { key: keys[0]!.key })).data).toMatchObject({ valid: true, credits: 8 });
    expect((await call('keys.getKey', { keyId: first0.keyId })).data.start).toBe(migratedKeyStart(keys[0]!.key).start);
    expect((await call('keys.verifyKey', { key: keys[1]!.key, migrationId })).data).toMatchObject({
      valid: false,
      code: 'DISABLED',
      permissions: ['docs.read'],
    });
    expect((await call('keys.verifyKey', { key: keys[2]!.key, migrationId })).data).toMatchObject({
      valid: true,
      credits: 4,
      expires: 4_000_000_000_000,
    });

    // Audited as the system, one key.migrate record for the batch; the migration's creation too.
    const audit = await server.store.listAudit({ workspaceId, events: ['key.migrate', 'key_migration.create'], limit: 10 });
    expect(audit.map((a) => [a.event, a.actor.type, a.actor.id])).toEqual([
      ['key_migration.create', 'system', 'cli'],
      ['key.migrate', 'system', 'cli'],
    ]);
    expect(audit[1]!.resources.filter((r) => r.type === 'key')).toHaveLength(3);
  });

  it('imports a CSV export (sha256_base64 by default), reporting bad rows with reasons; a second run skips every imported row', async () => {
    const good = [foreign('sha256_base64'), foreign('sha256_base64')];
    const bad = foreign('sha256_hex');
    const path = file(
      'keys.csv',
      [
        'hash,name,externalId,meta,expires,enabled,remaining,permissions,exported_at',
        `${good[0]!.hash},"Acme, Inc.",org_acme,"{""tier"":""gold""}",2100-01-01T00:00:00Z,true,100,"a.read;b.write",2024-05-01`,
        `${bad.hash},hex where base64 is expected,,,,,,,`,
        `${good[1]!.hash},,,,,no,,,`,
        `${hashKey('third')},,,,1700000000,,,,`,
      ].join('\r\n'),
    );

    const first = await keyward('import', path, '--api', apiId, '--workspace', workspaceId);
    expect(first.code).toBe(1);
    expect(first.stdout).toMatch(/^Created migration mig_\w+ \(sha256_base64\)\.\n/);
    expect(first.stdout).toContain('Imported 2 key(s)');
    expect(first.stdout).toContain('Skipped 0 key(s) already present.');
    expect(first.stdout).toContain('Failed 2 key(s):\n  line 3: hash: the hash must be the standard base64');
    expect(first.stdout).toContain('  line 5: expires 1700000000 looks like seconds');
    expect(first.stdout).toContain('Imported keys verify as they are');
    expect(first.stderr).toContain('ignoring field(s) keys.migrateKeys does not take: exported_at');
    expect(first.stderr).toContain('100% 4/4');

    const second = await keyward('import', path, '--api', apiId, '--workspace', workspaceId, '--json');
    expect(second.code).toBe(1);
    const summary = JSON.parse(second.stdout);
    expect(summary).toMatchObject({ algorithm: 'sha256_base64', created: false, imported: 0, skipped: 2 });
    expect(summary.failed.map((f: any) => f.record)).toEqual(['line 3', 'line 5']);

    const verified = (await call('keys.verifyKey', { key: good[0]!.key, permissions: 'a.read AND b.write' })).data;
    expect(verified).toMatchObject({ valid: true, name: 'Acme, Inc.', meta: { tier: 'gold' }, credits: 99, expires: Date.UTC(2100, 0, 1) });
    expect((await call('keys.getKey', { keyId: verified.keyId })).data.start).toBe(migratedKeyStart(good[0]!.key).start);
    expect((await call('keys.verifyKey', { key: good[1]!.key })).data).toMatchObject({ valid: false, code: 'DISABLED' });
  });

  it('uses a given migration, and refuses bad arguments clearly', async () => {
    const migrationId = (await call('keyMigrations.createMigration', { algorithm: 'prefixed_api_key' })).data.migrationId;
    const key = foreign('prefixed_api_key');
    const path = file(
      'prefixed.json',
      JSON.stringify({ keys: [{ hash: key.hash, roles: ['no_such_role'] }, { hash: legacyHash('prefixed_api_key', 'a_b_c')! }] }),
    );
    const imported = await keyward('import', path, '--api', apiId, '--workspace', workspaceId, '--migration', migrationId, '--json');
    // The batch fails on the unknown role; each record is then tried alone, so only that one fails.
    expect(imported.code).toBe(1);
    expect(JSON.parse(imported.stdout)).toEqual({
      migrationId,
      algorithm: 'prefixed_api_key',
      created: false,
      imported: 1,
      skipped: 0,
      failed: [{ record: 'record 1', reason: "Role 'no_such_role' was not found." }],
    });

    // One after another: each process opens (and checks the migrations of) the same SQLite file.
    const noApi = await keyward('import', path, '--api', 'api_nope', '--workspace', workspaceId);
    const noMigration = await keyward('import', path, '--api', apiId, '--workspace', workspaceId, '--migration', 'mig_nope');
    const mismatch = await keyward(
      'import',
      path,
      '--api',
      apiId,
      '--workspace',
      workspaceId,
      '--migration',
      migrationId,
      '--algorithm',
      'sha256_hex',
    );
    const unknownAlgorithm = await keyward('import', path, '--api', apiId, '--workspace', workspaceId, '--algorithm', 'md5');
    const missing = await keyward('import', path, '--workspace', workspaceId);
    const unreadable = await keyward('import', join(dir, 'nothing-here.csv'), '--api', apiId, '--workspace', workspaceId);
    expect([noApi.code, noMigration.code, mismatch.code, unknownAlgorithm.code, missing.code, unreadable.code]).toEqual([1, 1, 2, 2, 2, 1]);
    expect(noApi.stderr).toContain(`no API "api_nope" in workspace "${workspaceId}"`);
    expect(noMigration.stderr).toContain('no migration "mig_nope"');
    expect(mismatch.stderr).toContain(`migration ${migrationId} is for prefixed_api_key hashes, not sha256_hex`);
    expect(unknownAlgorithm.stderr).toContain('unknown --algorithm "md5"');
    expect(missing.stderr).toContain('usage: keyward import FILE --api <apiId> --workspace <workspaceId>');
    expect(unreadable.stderr).toContain('cannot read');
  });
});
