import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashKey } from '../src/core/key-format.js';
import { openSqlStore } from '../src/storage/sql/sql-store.js';
import { KEYWARD_ENTRY } from './keyward-entry.js';

/**
 * `keyward root-key create|list|revoke` through the real entry point (test/keyward-entry.ts), on a
 * temporary data directory, with no KEYWARD_* variables inherited from whoever runs the tests.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
let dir: string;

function keyward(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { KEYWARD_DATA_DIR: dir };
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('KEYWARD_')) env[name] = value;
  return new Promise((resolve) => {
    execFile(process.execPath, [...KEYWARD_ENTRY, ...args], { cwd: ROOT, env }, (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

/** The store the commands wrote to, opened after they exited. */
async function inspect<T>(read: (store: Awaited<ReturnType<typeof openSqlStore>>) => Promise<T>): Promise<T> {
  const store = await openSqlStore(join(dir, 'keyward.sqlite'));
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

let workspaceId: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'keyward-root-key-cli-'));
  workspaceId = JSON.parse((await keyward('bootstrap', '--json')).stdout).workspaceId;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('keyward root-key', { timeout: 120_000 }, () => {
  it('create prints the key once (--json: exactly {rootKeyId, rootKey}); list never shows a secret; revoke; all audited', async () => {
    const created = await keyward(
      'root-key',
      'create',
      '--workspace',
      workspaceId,
      '--name',
      'ci deploys',
      '--permission',
      'api.*.create_key',
      '--permission',
      `unkey:v1:${workspaceId}:keyspaces/**#read_key`,
      '--json',
    );
    expect(created.code).toBe(0);
    expect(created.stdout.trimEnd().split('\n')).toHaveLength(1);
    const { rootKeyId, rootKey } = JSON.parse(created.stdout);
    expect(Object.keys(JSON.parse(created.stdout)).sort()).toEqual(['rootKey', 'rootKeyId']);
    expect(rootKey).toMatch(/^kw_root_/);

    const stored = await inspect((store) => store.findRootKeyByHash(hashKey(rootKey)));
    expect(stored).toMatchObject({
      id: rootKeyId,
      workspaceId,
      name: 'ci deploys',
      permissions: ['api.*.create_key', `unkey:v1:${workspaceId}:keyspaces/**#read_key`],
    });

    const listed = await keyward('root-key', 'list', '--workspace', workspaceId);
    expect(listed.code).toBe(0);
    const lines = listed.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      new RegExp(`^${rootKeyId}  ${rootKey.slice(0, 12)}  "ci deploys"  -  expires never  api\\.\\*\\.create_key unkey:v1:`),
    );
    const listedJson = await keyward('root-key', 'list', '--workspace', workspaceId, '--json');
    expect(JSON.parse(listedJson.stdout).map((k: { id: string }) => k.id)).toContain(rootKeyId);
    const hash = hashKey(rootKey);
    for (const output of [listed.stdout, listedJson.stdout]) {
      expect(output).not.toContain(rootKey);
      expect(output).not.toContain(hash);
    }

    const revoked = await keyward('root-key', 'revoke', rootKeyId);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain(`Revoked root key ${rootKeyId} of workspace ${workspaceId}.`);
    // Without Redis this process cannot reach running servers at once; it says when they learn it.
    expect(revoked.stdout).toContain('KEYWARD_INVALIDATION_POLL_MS');
    expect(await inspect((store) => store.findRootKeyByHash(hash))).toBeUndefined();

    const audit = await inspect((store) => store.listAudit({ workspaceId, resourceId: rootKeyId, limit: 10 }));
    expect(audit.map((a) => [a.event, a.actor])).toEqual([
      ['rootKey.create', { type: 'system', id: 'cli', name: null }],
      ['rootKey.revoke', { type: 'system', id: 'cli', name: null }],
    ]);
    expect(JSON.stringify(audit)).not.toContain(rootKey);
  });

  it('create --environment labels the key and its prefix; reroll --grace prints the new key once, keeps the old one for exactly the grace; audited', async () => {
    const created = await keyward(
      'root-key',
      'create',
      '--workspace',
      workspaceId,
      '--name',
      'prod deploys',
      '--permission',
      'api.*.read_api',
      '--environment',
      'prod',
      '--json',
    );
    expect(created.code, created.stderr).toBe(0);
    const old = JSON.parse(created.stdout) as { rootKeyId: string; rootKey: string };
    expect(old.rootKey).toMatch(/^kw_root_prod_/);
    const listed = await keyward('root-key', 'list', '--workspace', workspaceId);
    expect(listed.stdout).toMatch(new RegExp(`${old.rootKeyId}  kw_root_prod_.{4}  "prod deploys"  prod  expires never`));

    const before = Date.now();
    const rerolled = await keyward('root-key', 'reroll', old.rootKeyId, '--grace', '2h', '--json');
    const after = Date.now();
    expect(rerolled.code, rerolled.stderr).toBe(0);
    const fresh = JSON.parse(rerolled.stdout) as { rootKeyId: string; rootKey: string; oldKeyRetiresAt: number };
    expect(Object.keys(fresh).sort()).toEqual(['oldKeyRetiresAt', 'rootKey', 'rootKeyId']);
    expect(fresh.rootKey).toMatch(/^kw_root_prod_/);
    expect(fresh.oldKeyRetiresAt).toBeGreaterThanOrEqual(before + 7_200_000);
    expect(fresh.oldKeyRetiresAt).toBeLessThanOrEqual(after + 7_200_000);
    expect(await inspect((store) => store.findRootKeyByHash(hashKey(fresh.rootKey)))).toMatchObject({
      id: fresh.rootKeyId,
      permissions: ['api.*.read_api'],
      retiresAt: null,
    });
    expect(await inspect((store) => store.findRootKeyByHash(hashKey(old.rootKey)))).toMatchObject({ retiresAt: fresh.oldKeyRetiresAt });

    const human = await keyward('root-key', 'reroll', fresh.rootKeyId, '--grace', '0');
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain(`Rerolled root key ${fresh.rootKeyId}`);
    expect(human.stdout).toMatch(/New root key \(shown once, store it now\): kw_root_prod_/);

    const audit = await inspect((store) => store.listAudit({ workspaceId, resourceId: old.rootKeyId, limit: 10 }));
    expect(audit.map((a) => [a.event, a.actor.id])).toEqual([
      ['rootKey.create', 'cli'],
      ['rootKey.reroll', 'cli'],
    ]);
    for (const bad of [
      ['root-key', 'reroll', fresh.rootKeyId],
      ['root-key', 'reroll', fresh.rootKeyId, '--grace', 'soon'],
      ['root-key', 'reroll', fresh.rootKeyId, '--grace', '31d'],
      ['root-key', 'create', '--workspace', workspaceId, '--name', 'x', '--permission', 'api.*.read_api', '--environment', 'qa'],
    ]) {
      expect((await keyward(...bad)).code, bad.join(' ')).toBe(2);
    }
    expect((await keyward('root-key', 'reroll', 'rk_nope', '--grace', '0')).code).toBe(1);
  });

  it('refuses unknown permissions (2), unknown workspaces and root keys (1), and bad usage (2), creating nothing', async () => {
    const before = await inspect((store) => store.listRootKeys({ workspaceId, limit: 100 }));
    const bad = await keyward('root-key', 'create', '--workspace', workspaceId, '--name', 'x', '--permission', 'api.*.fly');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("'api.*.fly': unknown action 'fly' for 'api'");
    const foreign = await keyward(
      'root-key',
      'create',
      '--workspace',
      workspaceId,
      '--name',
      'x',
      '--permission',
      'unkey:v1:ws_other:**#*',
    );
    expect(foreign.code).toBe(2);
    const nowhere = await keyward('root-key', 'create', '--workspace', 'ws_nope', '--name', 'x', '--permission', 'api.*.read_api');
    expect(nowhere.code).toBe(1);
    expect(nowhere.stderr).toContain('no workspace "ws_nope"');
    const missing = await keyward('root-key', 'revoke', 'rk_nope');
    expect(missing.code).toBe(1);
    const usages = [
      ['root-key'],
      ['root-key', 'frob'],
      ['root-key', 'create', '--workspace', workspaceId, '--name', 'x'],
      ['root-key', 'list'],
      ['root-key', 'revoke'],
    ];
    const results = await Promise.all(usages.map((args) => keyward(...args)));
    results.forEach((result, i) => {
      expect(result.code, usages[i]!.join(' ')).toBe(2);
    });
    expect(await inspect((store) => store.listRootKeys({ workspaceId, limit: 100 }))).toEqual(before);
  });
});
