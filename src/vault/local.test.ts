import { randomBytes } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { freshPostgresSchema } from '../../test/harness.js';
import { masterKey, tempDir } from '../../test/vault-fixtures.js';
import { newId } from '../core/ids.js';
import { VaultConfigError, VaultDecryptError } from './errors.js';
import { LocalVault, unwrapDek } from './local.js';
import { MasterKeyring, parseMasterKeys } from './master-keys.js';
import { rewrapAll } from './rotation.js';
import { openSqlVaultStore } from './sql-store.js';
import type { VaultStore } from './store.js';
import { SUITE_DEK_MAX, vaultConformance } from './vault.suite.js';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

const ring = (...entries: string[]) => new MasterKeyring(parseMasterKeys(entries.join(',')).keys);

/** A SQLite vault store in a directory of its own. */
async function sqliteStore(): Promise<{ store: VaultStore; file: string }> {
  const { dir, remove } = tempDir();
  cleanups.push(remove);
  const file = join(dir, 'vault', 'vault.sqlite');
  return { store: await openSqlVaultStore(file), file };
}

vaultConformance('local, SQLite vault store', async () => {
  const { store } = await sqliteStore();
  const vault = await LocalVault.open({ store, keyring: ring(masterKey(1)), maxEncryptionsPerDek: SUITE_DEK_MAX });
  return { vault, close: () => vault.close() };
});

vaultConformance('local, PostgreSQL vault store', async () => {
  const schema = await freshPostgresSchema();
  const store = await openSqlVaultStore(schema.url);
  const vault = await LocalVault.open({ store, keyring: ring(masterKey(1)), maxEncryptionsPerDek: SUITE_DEK_MAX });
  return {
    vault,
    close: async () => {
      await vault.close();
      await schema.drop();
    },
  };
});

async function rejectsGenerically(promise: Promise<unknown>): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(VaultDecryptError);
  expect((error as Error).message).toBe('decryption failed');
}

describe('LocalVault', () => {
  it('makes its SQLite store private: the directory 0700, the file 0600', async () => {
    const { file } = await sqliteStore();
    expect(statSync(join(file, '..')).mode & 0o777).toBe(0o700);
    expect(statSync(file).mode & 0o777).toBe(0o600);
  });

  it('refuses every single-bit flip of a stored wrapped data key, and a wrapping moved to another row', async () => {
    const { store, file } = await sqliteStore();
    const keyring = ring(masterKey(1));
    // cacheSize 0: every decryption unwraps the data key afresh from the store.
    const vault = await LocalVault.open({ store, keyring, cacheSize: 0 });
    const ws = newId('workspace');
    const id = newId('key');
    const { ciphertext, dekId } = await vault.encrypt({ workspaceId: ws, keyId: id, plaintext: 'sk_flipped' });
    const other = await vault.encrypt({ workspaceId: newId('workspace'), keyId: newId('key'), plaintext: 'other' });
    const db = new Database(file);
    cleanups.push(() => db.close());
    const original = (db.prepare('SELECT wrapped FROM vault_deks WHERE id = ?').get(dekId) as { wrapped: string }).wrapped;
    const bytes = Buffer.from(original, 'base64');
    expect(bytes.length).toBe(12 + 32 + 16);
    const write = db.prepare('UPDATE vault_deks SET wrapped = ? WHERE id = ?');
    for (let byte = 0; byte < bytes.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const tampered = Buffer.from(bytes);
        tampered[byte]! ^= 1 << bit;
        write.run(tampered.toString('base64'), dekId);
        await rejectsGenerically(vault.decrypt({ workspaceId: ws, keyId: id, ciphertext }));
      }
    }
    // Truncated, and the other workspace's wrapping copied over this one.
    for (const length of [0, 12, 28, 44, 59]) {
      write.run(bytes.subarray(0, length).toString('base64'), dekId);
      await rejectsGenerically(vault.decrypt({ workspaceId: ws, keyId: id, ciphertext }));
    }
    const otherWrapped = (db.prepare('SELECT wrapped FROM vault_deks WHERE id = ?').get(other.dekId) as { wrapped: string }).wrapped;
    write.run(otherWrapped, dekId);
    await rejectsGenerically(vault.decrypt({ workspaceId: ws, keyId: id, ciphertext }));
    // A data key row re-labelled with another workspace or master version does not unwrap either.
    write.run(original, dekId);
    expect(await vault.decrypt({ workspaceId: ws, keyId: id, ciphertext })).toBe('sk_flipped');
    db.prepare('UPDATE vault_deks SET master_version = 2 WHERE id = ?').run(dekId);
    await rejectsGenerically(vault.decrypt({ workspaceId: ws, keyId: id, ciphertext }));
    db.prepare('UPDATE vault_deks SET master_version = 1, workspace_id = ? WHERE id = ?').run('ws_attacker', dekId);
    await rejectsGenerically(vault.decrypt({ workspaceId: 'ws_attacker', keyId: id, ciphertext }));
    await rejectsGenerically(vault.decrypt({ workspaceId: ws, keyId: id, ciphertext }));
    await vault.close();
  });

  it('refuses every single-bit flip of the nonce, ciphertext and tag of a key ciphertext as stored', async () => {
    const { store } = await sqliteStore();
    const vault = await LocalVault.open({ store, keyring: ring(masterKey(1)) });
    const ws = newId('workspace');
    const id = newId('key');
    const { ciphertext, dekId } = await vault.encrypt({ workspaceId: ws, keyId: id, plaintext: 'sk_bits' });
    const sealed = Buffer.from(ciphertext.split('.')[2]!, 'base64url');
    for (let byte = 0; byte < sealed.length; byte++) {
      for (let bit = 0; bit < 8; bit++) {
        const tampered = Buffer.from(sealed);
        tampered[byte]! ^= 1 << bit;
        await rejectsGenerically(
          vault.decrypt({ workspaceId: ws, keyId: id, ciphertext: `kw1.${dekId}.${tampered.toString('base64url')}` }),
        );
      }
    }
    for (let length = 0; length < sealed.length; length++) {
      await rejectsGenerically(
        vault.decrypt({ workspaceId: ws, keyId: id, ciphertext: `kw1.${dekId}.${sealed.subarray(0, length).toString('base64url')}` }),
      );
    }
    // Tags cut to 4, 8 and 12 bytes (the ciphertext shortened accordingly) are refused like any other forgery.
    for (const cut of [4, 8, 12]) {
      await rejectsGenerically(
        vault.decrypt({
          workspaceId: ws,
          keyId: id,
          ciphertext: `kw1.${dekId}.${sealed.subarray(0, sealed.length - (16 - cut)).toString('base64url')}`,
        }),
      );
    }
    expect(await vault.decrypt({ workspaceId: ws, keyId: id, ciphertext })).toBe('sk_bits');
    await vault.close();
  });

  it('never stores an unwrapped data key, a master key or a plaintext in its store', async () => {
    const { store, file } = await sqliteStore();
    const keyring = ring(masterKey(1));
    const vault = await LocalVault.open({ store, keyring });
    const secrets = Array.from({ length: 20 }, (_, i) => `sk_secret_${i}_${randomBytes(8).toString('hex')}`);
    const deks = new Set<string>();
    for (const plaintext of secrets)
      deks.add((await vault.encrypt({ workspaceId: newId('workspace'), keyId: newId('key'), plaintext })).dekId);
    await vault.close();
    const inspect = await openSqlVaultStore(file);
    const unwrapped = await Promise.all([...deks].map(async (id) => unwrapDek((await inspect.findDek(id))!, keyring)));
    await inspect.close();
    const image = readFileSync(file);
    for (const secret of secrets) expect(image.includes(Buffer.from(secret))).toBe(false);
    for (const key of [...unwrapped, keyring.newest.key]) {
      for (const form of [key, Buffer.from(key.toString('base64')), Buffer.from(key.toString('hex'))])
        expect(image.includes(form)).toBe(false);
    }
  });

  it('fails closed at open when a master key version the store uses is missing, or holds the wrong key', async () => {
    const { store, file } = await sqliteStore();
    const v1 = masterKey(1);
    const v2 = masterKey(2);
    const vault = await LocalVault.open({ store, keyring: ring(v1, v2) });
    await vault.encrypt({ workspaceId: newId('workspace'), keyId: newId('key'), plaintext: 'made under v2' });
    await vault.close();
    const reopen = async (keyring: MasterKeyring) => {
      const again = await openSqlVaultStore(file);
      try {
        return await LocalVault.open({ store: again, keyring }).then(async (v) => {
          await v.close();
          return undefined;
        });
      } catch (error) {
        await again.close();
        return error as Error;
      }
    };
    const missing = await reopen(ring(v1));
    expect(missing).toBeInstanceOf(VaultConfigError);
    expect(missing!.message).toMatch(/master key version 2, which KEYWARD_MASTER_KEYS does not hold \(it has 1\)/);
    const wrong = await reopen(ring(v1, masterKey(2)));
    expect(wrong).toBeInstanceOf(VaultConfigError);
    expect(wrong!.message).toMatch(/Master key version 2 .* does not unwrap/);
    expect(await reopen(ring(v2))).toBeUndefined();
  });

  it('on use, a data key whose master version is missing fails with the generic error and a clear log line', async () => {
    const { store, file } = await sqliteStore();
    const v1 = masterKey(1);
    const warnings: string[] = [];
    const vault = await LocalVault.open({
      store,
      keyring: ring(v1),
      cacheSize: 0,
      logger: { warn: (_f, message) => warnings.push(message) },
    });
    const ws = newId('workspace');
    const id = newId('key');
    const { ciphertext, dekId } = await vault.encrypt({ workspaceId: ws, keyId: id, plaintext: 'sk_rotated_elsewhere' });
    // Another process rotates to version 2 while this one runs with version 1 only.
    const rotator = await openSqlVaultStore(file);
    await rewrapAll(rotator, ring(v1, masterKey(2)));
    await rotator.close();
    await rejectsGenerically(vault.decrypt({ workspaceId: ws, keyId: id, ciphertext }));
    expect(warnings).toEqual([`vault: data key ${dekId} is wrapped by master key version 2, which KEYWARD_MASTER_KEYS does not hold`]);
    await vault.close();
  });
});

describe('master-key rotation (rewrapAll)', () => {
  it('re-wraps every data key under the newest version; then the old version can go and everything still decrypts', async () => {
    const { store, file } = await sqliteStore();
    const v1 = masterKey(1);
    const v2 = masterKey(2);
    const before = await LocalVault.open({ store, keyring: ring(v1), maxEncryptionsPerDek: 2 });
    const made = [];
    for (let i = 0; i < 25; i++) {
      const workspaceId = `ws_rotation_${i % 5}`;
      const keyId = newId('key');
      made.push({ workspaceId, keyId, plaintext: `sk_${i}`, ...(await before.encrypt({ workspaceId, keyId, plaintext: `sk_${i}` })) });
    }
    await before.close();
    const dekCount = new Set(made.map((m) => m.dekId)).size;
    expect(dekCount).toBeGreaterThan(10);

    const rotating = await openSqlVaultStore(file);
    const progress: [number, number][] = [];
    const report = await rewrapAll(rotating, ring(v1, v2), { batchSize: 4, onProgress: (done, total) => progress.push([done, total]) });
    expect(report).toEqual({ version: 2, rewrapped: dekCount, failed: [], versionsInUse: [2] });
    expect(progress[0]).toEqual([0, dekCount]);
    expect(progress.at(-1)).toEqual([dekCount, dekCount]);
    // Idempotent: nothing left to do.
    expect((await rewrapAll(rotating, ring(v1, v2))).rewrapped).toBe(0);
    await rotating.close();

    const after = await LocalVault.open({ store: await openSqlVaultStore(file), keyring: ring(v2) });
    for (const m of made)
      expect(await after.decrypt({ workspaceId: m.workspaceId, keyId: m.keyId, ciphertext: m.ciphertext })).toBe(m.plaintext);
    await after.close();
  });

  it('reports a data key that does not unwrap and leaves it as it was', async () => {
    const { store, file } = await sqliteStore();
    const v1 = masterKey(1);
    const vault = await LocalVault.open({ store, keyring: ring(v1) });
    const good = await vault.encrypt({ workspaceId: 'ws_good', keyId: 'key_good', plaintext: 'good' });
    const bad = await vault.encrypt({ workspaceId: 'ws_bad', keyId: 'key_bad', plaintext: 'bad' });
    await vault.close();
    const db = new Database(file);
    const wrapped = Buffer.from(
      (db.prepare('SELECT wrapped FROM vault_deks WHERE id = ?').get(bad.dekId) as { wrapped: string }).wrapped,
      'base64',
    );
    wrapped[20]! ^= 1;
    db.prepare('UPDATE vault_deks SET wrapped = ? WHERE id = ?').run(wrapped.toString('base64'), bad.dekId);
    db.close();
    const rotating = await openSqlVaultStore(file);
    const report = await rewrapAll(rotating, ring(v1, masterKey(2)));
    expect(report).toEqual({ version: 2, rewrapped: 1, failed: [bad.dekId], versionsInUse: [1, 2] });
    expect((await rotating.findDek(good.dekId))?.masterVersion).toBe(2);
    expect((await rotating.findDek(bad.dekId))?.masterVersion).toBe(1);
    await rotating.close();
  });
});
