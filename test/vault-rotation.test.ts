import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { newId } from '../src/core/ids.js';
import { LocalVault } from '../src/vault/local.js';
import { MasterKeyring, parseMasterKeys } from '../src/vault/master-keys.js';
import { openSqlVaultStore } from '../src/vault/sql-store.js';
import { startTestServer, type TestServer } from './harness.js';
import { until } from './poll.js';
import { launch, masterKey, recoverableApi, tempDir } from './vault-fixtures.js';

/**
 * Master-key rotation under load: keys are created and decrypted continuously through the API while
 * `keyward vault rotate` (a separate process) re-wraps every data key under the new master key. No request
 * may fail. Afterwards the old version is removed and everything still decrypts; with the old version
 * alone, the server refuses to start with a clear error.
 */

const cleanups: (() => unknown)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** Whether a process is stopped (state T in /proc/<pid>/stat, after the parenthesised command name). */
const stopped = (pid: number): boolean => {
  try {
    return /\) T /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

/** Data keys made before the rotation, beside the recoverable keys' own: five batches of `rewrapAll` (src/vault/rotation.ts). */
const FILLER_DEKS = 500;

/**
 * Makes every re-wrap hold the vault store's write lock for several milliseconds: a trigger on the column only a re-wrap
 * writes (`wrapped`; the server's own writes count encryptions, retire and insert data keys) reads every row of a table
 * of 50,000. A fast rotation (or a quick machine) otherwise spends so little of its time holding the lock that the
 * test could miss it altogether; slowed, the rotation's whole run is about FILLER_DEKS times that, nearly all of it
 * under the lock. SQLite forbids WITH inside a trigger, hence a table rather than a recursive query.
 */
function brakeRewraps(file: string): void {
  const db = new Database(file);
  try {
    db.exec(`CREATE TABLE brake (n INTEGER PRIMARY KEY);
      WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 50000) INSERT INTO brake SELECT i FROM n;
      CREATE TRIGGER brake_rewrap AFTER UPDATE OF wrapped ON vault_deks BEGIN
        SELECT max(abs(random() % (n + 1))) FROM brake;
      END;`);
  } finally {
    db.close();
  }
}

// The brake adds a few milliseconds per re-wrap, more on a loaded machine: room for that beside the old bound of 180 s.
describe('keyward vault rotate', { timeout: 300_000 }, () => {
  it('re-wraps every data key while the server keeps serving; then the old master key can go', async () => {
    const { dir, remove } = tempDir('keyward-rotation-');
    cleanups.push(remove);
    const v1 = masterKey(1);
    const v2 = masterKey(2);
    const shared = {
      KEYWARD_DATABASE_URL: join(dir, 'main', 'keyward.sqlite'),
      KEYWARD_VAULT_DIR: join(dir, 'vault'),
      // One data key per encryption: many data keys to re-wrap, and new ones made all through the rotation.
      KEYWARD_VAULT_DEK_MAX_ENCRYPTIONS: '1',
    };
    const start = (keys: string) => startTestServer({ env: { ...shared, KEYWARD_MASTER_KEYS: keys } });

    // Before: version 1 only. Recoverable keys, plus 500 more data keys: five batches of the rotation, so it can be paused
    // at least five times.
    let t: TestServer = await start(v1);
    const apiId = await recoverableApi(t);
    const workspaceId = t.workspaceId;
    const rootKey = t.rootKey;
    const keys: { keyId: string; key: string }[] = [];
    for (let i = 0; i < 50; i++) keys.push((await t.call('keys.createKey', { apiId, recoverable: true })).body.data);
    await t.close();
    const filler = await LocalVault.open({
      store: await openSqlVaultStore(join(dir, 'vault', 'vault.sqlite')),
      keyring: new MasterKeyring(parseMasterKeys(v1).keys),
      maxEncryptionsPerDek: 1,
    });
    for (let i = 0; i < FILLER_DEKS; i++)
      await filler.encrypt({ workspaceId: `ws_filler_${i % 50}`, keyId: newId('key'), plaintext: 'filler' });
    await filler.close();
    brakeRewraps(join(dir, 'vault', 'vault.sqlite'));

    // Both versions configured (the first step of the procedure), then rotate under load.
    t = await start(`${v1},${v2}`);
    const call = (operation: string, body: unknown) => t.call(operation, body, { rootKey });
    const failures: string[] = [];
    let rotating = false;
    let duringRotation = 0;
    let stop = false;
    const worker = async (n: number) => {
      for (let i = 0; !stop; i++) {
        const created = await call('keys.createKey', { apiId, recoverable: true });
        if (created.status !== 200) failures.push(`create ${created.status}`);
        else keys.push(created.body.data);
        const pick = keys[(i * 7 + n) % keys.length]!;
        const read = await call('keys.getKey', { keyId: pick.keyId, decrypt: true });
        if (read.status !== 200 || read.body.data.plaintext !== pick.key) failures.push(`getKey ${read.status}`);
        if (i % 10 === 0) {
          const listed = await call('apis.listKeys', { apiId, decrypt: true, limit: 20 });
          if (listed.status !== 200 || listed.body.data.some((k: { plaintext?: string }) => k.plaintext === undefined))
            failures.push(`listKeys ${listed.status}`);
        }
        if (rotating) duringRotation++;
      }
    };
    const workers = [worker(0), worker(1), worker(2)];
    const rotation = launch(['vault', 'rotate'], { ...shared, KEYWARD_MASTER_KEYS: `${v1},${v2}`, KEYWARD_DATA_DIR: dir });
    // The rotation is paused again and again, each time by a Ctrl-Z (SIGTSTP) sent while it holds the vault store's
    // write lock (seen from here: the server shares this thread, so a busy lock is the rotation's; the brake makes it
    // hold the lock nearly all the time it runs, so the probe cannot miss it). It must stop only once it holds none, or
    // every recoverable createKey of the server would wait out its busy timeout and answer 500. The first pause lasts
    // until the workers have done 40 rounds: they overlap the rotation however fast it runs.
    const probe = new Database(join(dir, 'vault', 'vault.sqlite'));
    cleanups.push(() => probe.close());
    probe.pragma('busy_timeout = 0');
    const writeLockHeld = () => {
      try {
        probe.exec('BEGIN IMMEDIATE; ROLLBACK');
        return false;
      } catch {
        return true;
      }
    };
    const pid = rotation.child.pid!;
    const running = () => rotation.child.exitCode === null && rotation.child.signalCode === null;
    const pausedHoldingTheLock: number[] = [];
    let pauses = 0;
    const pauser = (async () => {
      await until(() => rotation.output.stderr.includes('Re-wrapping') || !running(), 'the rotation starts re-wrapping', {
        deadlineMs: 60_000,
      });
      rotating = true;
      for (let pause = 1; running(); pause++) {
        await until(() => writeLockHeld() || !running(), 'the rotation writes', { everyMs: 0, deadlineMs: 60_000 });
        rotation.child.kill('SIGTSTP');
        await until(() => stopped(pid) || !running(), 'the rotation pauses', { deadlineMs: 60_000 });
        if (!running()) break;
        pauses++;
        // Held, the server's vault writes would wait for it: resumed at once, the assertion below says what happened.
        if (writeLockHeld()) pausedHoldingTheLock.push(pause);
        else if (duringRotation < 40)
          await until(() => duringRotation >= 40, '40 rounds of the workers during the rotation', { deadlineMs: 60_000 });
        rotation.child.kill('SIGCONT');
      }
    })();
    const code = await rotation.exited;
    await pauser;
    console.log(`rotation paused ${pauses} time(s); ${duringRotation} rounds of the workers during the rotation`);
    rotating = false;
    stop = true;
    await Promise.all(workers);

    expect(code, rotation.output.stderr).toBe(0);
    expect(pausedHoldingTheLock).toEqual([]);
    expect(pauses).toBeGreaterThanOrEqual(2);
    expect(failures).toEqual([]);
    expect(duringRotation).toBeGreaterThanOrEqual(40);
    // The progress bar: from 0% to 100%, counting data keys.
    expect(rotation.output.stderr).toMatch(/Re-wrapping data keys under master key version 2 \[-{30}\]\s+0% 0\/\d+/);
    expect(rotation.output.stderr).toMatch(/\[#{30}\] 100% (\d+)\/\1/);
    expect(rotation.output.stdout).toMatch(/^Re-wrapped \d+ data key\(s\) under master key version 2\.\n/);
    expect(rotation.output.stdout).toContain('No data key uses master key version(s) 1 any more: remove them from KEYWARD_MASTER_KEYS.');
    await t.close();

    // The old version removed: every key made before and during the rotation still decrypts.
    t = await start(v2);
    for (const { keyId, key } of keys) {
      const res = await t.call('keys.getKey', { keyId, decrypt: true }, { rootKey });
      expect(res.body.data?.plaintext).toBe(key);
    }
    expect(keys.length).toBeGreaterThan(80);
    expect(t.workspaceId).not.toBe(workspaceId);
    await t.close();

    // The newest version missing: the vault fails closed at start, saying what is wrong.
    const refused = await start(v1).then(
      async (server) => {
        await server.close();
        return undefined;
      },
      (error: Error) => error,
    );
    expect(refused?.name).toBe('VaultConfigError');
    expect(refused?.message).toMatch(/wrapped by master key version 2, which KEYWARD_MASTER_KEYS does not hold \(it has 1\)/);
  });
});
