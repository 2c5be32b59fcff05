import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer } from './harness.js';
import { masterKey, recoverableApi, ROOT, tempDir } from './vault-fixtures.js';
import { recoverKeys, type Leak } from './vault-recover.js';

/**
 * docs/decisions/0005-vault-split-across-three-places.md: recoverable keys are split three ways. 100 canary recoverable keys are made through the API;
 * then the recovery script (test/vault-recover.ts, which tries everything it is given) gets every
 * combination of {main database file, vault store file, master keys}. Any one or two recover none of the
 * canaries; all three recover all of them.
 */

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

describe('split leak', { timeout: 120_000 }, () => {
  it('any one or two of {main database, vault store, master keys} recover no key; all three recover all 100', async () => {
    const { dir, remove } = tempDir('keyward-split-');
    cleanups.push(remove);
    const mainDatabase = join(dir, 'main', 'keyward.sqlite');
    const vaultStore = join(dir, 'vault', 'vault.sqlite');
    const masterKeys = `${masterKey(1)},${masterKey(2)}`;
    const t = await startTestServer({
      env: {
        KEYWARD_DATABASE_URL: mainDatabase,
        KEYWARD_VAULT_DIR: join(dir, 'vault'),
        KEYWARD_MASTER_KEYS: masterKeys,
        KEYWARD_VAULT_DEK_MAX_ENCRYPTIONS: '7',
      },
    });
    const canaries: string[] = [];
    try {
      const other = await t.newWorkspace();
      for (const rootKey of [t.rootKey, other.rootKey]) {
        const apiId = await recoverableApi(t, rootKey);
        for (let i = 0; i < 50; i++) {
          const created = await t.call('keys.createKey', { apiId, prefix: 'canary', recoverable: true }, { rootKey });
          expect(created.status).toBe(200);
          const read = await t.call('keys.getKey', { keyId: created.body.data.keyId, decrypt: true }, { rootKey });
          expect(read.body.data.plaintext).toBe(created.body.data.key);
          canaries.push(created.body.data.key);
        }
      }
    } finally {
      await t.close(); // checkpoints the WAL into the database files
    }
    expect(new Set(canaries).size).toBe(100);
    // The material is there to be found: 100 ciphertexts in the main database, data keys in the vault store.
    expect(
      readFileSync(mainDatabase)
        .toString('latin1')
        .match(/kw1\.dek_/g)?.length,
    ).toBeGreaterThanOrEqual(100);
    expect(readFileSync(vaultStore).toString('latin1')).toContain('dek_');

    const places: Leak = { mainDatabase, vaultStore, masterKeys };
    const names = Object.keys(places) as (keyof Leak)[];
    for (let mask = 1; mask < 8; mask++) {
      const leak: Leak = {};
      for (const [i, name] of names.entries()) if (mask & (1 << i)) leak[name] = places[name];
      const recovered = recoverKeys(leak);
      const hits = canaries.filter((canary) => recovered.has(canary)).length;
      expect(hits, `given ${Object.keys(leak).join(' + ')}`).toBe(mask === 7 ? 100 : 0);
    }

    // The same, as the script an attacker would run.
    const script = (args: string[]) =>
      new Set(
        execFileSync(process.execPath, ['--import', 'tsx', 'test/vault-recover.ts', ...args], { cwd: ROOT, encoding: 'utf8' }).split('\n'),
      );
    const all = script(['--main', mainDatabase, '--vault', vaultStore, '--master-keys', masterKeys]);
    expect(canaries.every((canary) => all.has(canary))).toBe(true);
    const two = script(['--main', mainDatabase, '--master-keys', masterKeys]);
    expect(canaries.some((canary) => two.has(canary))).toBe(false);
  });
});
