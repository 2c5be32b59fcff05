import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalVault } from '../src/vault/local.js';
import { MasterKeyring, parseMasterKeys } from '../src/vault/master-keys.js';
import { openSqlVaultStore } from '../src/vault/sql-store.js';
import { masterKey, runKeyward, tempDir, VAULT_TOKEN } from './vault-fixtures.js';

/** `keyward vault init` and the refusals of `keyward vault rotate` (rotation itself: vault-rotation.test.ts). */

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

function dataDir(): string {
  const { dir, remove } = tempDir('keyward-vault-cli-');
  cleanups.push(remove);
  return dir;
}

const lastLine = (stdout: string) => stdout.trimEnd().split('\n').at(-1)!;

describe('keyward vault', { timeout: 120_000 }, () => {
  it('init prints a new master key alone on the last line of stdout, exactly as KEYWARD_MASTER_KEYS takes it', async () => {
    const fresh = await runKeyward(['vault', 'init'], { KEYWARD_DATA_DIR: dataDir() });
    expect(fresh.code).toBe(0);
    expect(fresh.stdout).toMatch(/^1:[A-Za-z0-9+/]{43}=\n$/);
    expect(parseMasterKeys(lastLine(fresh.stdout))).toEqual({ keys: [{ version: 1, key: lastLine(fresh.stdout).slice(2) }], problems: [] });
    expect(fresh.stderr).toContain('keyward vault rotate');
    expect(fresh.stderr).not.toContain(lastLine(fresh.stdout).slice(2));

    // The next version after the configured ones; the new list still parses when the entry is appended.
    const configured = `${masterKey(1)},${masterKey(4)}`;
    const next = await runKeyward(['vault', 'init'], { KEYWARD_DATA_DIR: dataDir(), KEYWARD_MASTER_KEYS: configured });
    expect(next.code).toBe(0);
    expect(lastLine(next.stdout)).toMatch(/^5:/);
    expect(parseMasterKeys(`${configured},${lastLine(next.stdout)}`).keys.map((k) => k.version)).toEqual([1, 4, 5]);
    expect(next.stderr).toContain('keyward vault rotate');
    expect(next.stderr).not.toContain(configured.split(',')[0]!.slice(2));
  });

  it('init skips versions the vault store already uses, even when no longer configured', async () => {
    const dir = dataDir();
    const v3 = masterKey(3);
    const vault = await LocalVault.open({
      store: await openSqlVaultStore(join(dir, 'vault', 'vault.sqlite')),
      keyring: new MasterKeyring(parseMasterKeys(v3).keys),
    });
    await vault.encrypt({ workspaceId: 'ws_1', keyId: 'key_1', plaintext: 'x' });
    await vault.close();
    const res = await runKeyward(['vault', 'init'], { KEYWARD_DATA_DIR: dir, KEYWARD_MASTER_KEYS: masterKey(1) });
    expect(lastLine(res.stdout)).toMatch(/^4:/);
  });

  it('rotate refuses, clearly: without master keys, with a version the store needs missing; init and rotate on a remote-vault node', async () => {
    const none = await runKeyward(['vault', 'rotate'], { KEYWARD_DATA_DIR: dataDir() });
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('No master key configured: set KEYWARD_MASTER_KEYS');

    const dir = dataDir();
    const v2 = masterKey(2);
    const vault = await LocalVault.open({
      store: await openSqlVaultStore(join(dir, 'vault', 'vault.sqlite')),
      keyring: new MasterKeyring(parseMasterKeys(v2).keys),
    });
    await vault.encrypt({ workspaceId: 'ws_1', keyId: 'key_1', plaintext: 'x' });
    await vault.close();
    const missing = await runKeyward(['vault', 'rotate'], { KEYWARD_DATA_DIR: dir, KEYWARD_MASTER_KEYS: masterKey(3) });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('master key version 2, which KEYWARD_MASTER_KEYS does not hold (it has 3)');

    for (const action of ['rotate', 'init']) {
      const remote = await runKeyward(['vault', action], {
        KEYWARD_DATA_DIR: dataDir(),
        KEYWARD_VAULT_URL: 'https://vault.internal',
        KEYWARD_VAULT_TOKEN: VAULT_TOKEN,
      });
      expect(remote.code).toBe(1);
      expect(remote.stderr).toContain(`run \`keyward vault ${action}\` on the vault host`);
      expect(remote.stdout).toBe('');
    }
  });

  it('an unknown or missing action prints the usage and exits 2', async () => {
    for (const args of [['vault'], ['vault', 'explode'], ['vault', 'init', 'extra']]) {
      const res = await runKeyward(args, { KEYWARD_DATA_DIR: dataDir() });
      expect(res.code, args.join(' ')).toBe(2);
      expect(res.stderr).toContain('keyward vault <init|rotate|serve>');
    }
  });
});
