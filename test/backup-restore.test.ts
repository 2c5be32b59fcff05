import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli/index.js';
import { call, type KeywardNode, launch, runToEnd, startNode, stopLaunched } from './faults/nodes.js';
import { masterKey } from './vault-fixtures.js';

/**
 * `keyward backup` under write load, `keyward restore` into a new directory (docs/operations.md, "Backups"): every
 * create and delete acknowledged before the backup started is in the restored database, the restored server verifies
 * those keys and decrypts the recoverable ones with the same master key, and the audit chain still verifies.
 */

const dir = mkdtempSync(join(tmpdir(), 'keyward-backup-'));
const file = join(dir, 'backups', 'keyward-backup.sqlite');
const master = masterKey(1);
const original = { KEYWARD_DATA_DIR: join(dir, 'original'), KEYWARD_MASTER_KEYS: master, KEYWARD_LOG_LEVEL: 'warn' };
const restored = { KEYWARD_DATA_DIR: join(dir, 'restored'), KEYWARD_MASTER_KEYS: master, KEYWARD_LOG_LEVEL: 'warn' };

afterAll(async () => {
  await stopLaunched();
  rmSync(dir, { recursive: true, force: true });
}, 60_000);

/** `keyward <args>` in a process of its own, to its end: exit code and output, without throwing on a refusal. */
async function run(args: string[], vars: Record<string, string>) {
  const { output, exited } = launch(args, vars);
  return { code: await exited, ...output };
}

/** The same in this process (a process start costs seconds on a busy machine): for refusals and read-only checks. */
async function runHere(args: string[], vars: Record<string, string>) {
  const out: string[] = [];
  const err: string[] = [];
  for (const [name, value] of Object.entries(vars)) vi.stubEnv(name, value);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  try {
    const code = await runCli(args);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  }
}

/** `check` on every item, twenty at a time. */
async function inGroups<T>(items: T[], check: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += 20) await Promise.all(items.slice(i, i + 20).map(check));
}

interface Written {
  keyId: string;
  key: string;
  recoverable: boolean;
  /** performance.now() when the create was acknowledged, and the delete if there was one. */
  createdAt: number;
  deleteSentAt?: number;
  deletedAt?: number;
}

describe('keyward backup and restore', { timeout: 240_000 }, () => {
  it('restores, from a backup taken under write load, every write acknowledged before it began', async () => {
    const boot = JSON.parse(await runToEnd(['bootstrap', '--json'], original)) as { rootKey: string };
    const node = await startNode(original);
    const api = async (operation: string, body: unknown, at: KeywardNode = node) => call(at.address, boot.rootKey, operation, body);
    const apiId = (await api('apis.createApi', { name: 'backed up' })).body.data.apiId as string;
    expect((await api('apiSettings.updateSettings', { apiId, storeEncryptedKeys: true })).status).toBe(200);

    // Three writers: creates (every other one recoverable) and, every third round, a delete of an earlier key.
    const written: Written[] = [];
    const failures: string[] = [];
    let stop = false;
    const writer = async (n: number) => {
      let previous: Written | undefined;
      for (let i = 0; !stop; i++) {
        const recoverable = i % 2 === 0;
        const created = await api('keys.createKey', { apiId, recoverable, name: `w${n}-${i}` });
        const made: Written | undefined =
          created.status === 200
            ? { ...(created.body.data as { keyId: string; key: string }), recoverable, createdAt: performance.now() }
            : undefined;
        if (made) written.push(made);
        else failures.push(`create ${created.status}`);
        // Every third round, this writer's key of the round before: a third of the keys are deleted, the rest stay.
        if (i % 3 === 2 && previous) {
          previous.deleteSentAt = performance.now();
          const deleted = await api('keys.deleteKey', { keyId: previous.keyId });
          if (deleted.status !== 200) failures.push(`delete ${deleted.status}`);
          else previous.deletedAt = performance.now();
        }
        previous = made;
      }
    };
    const writers = [writer(0), writer(1), writer(2)];
    while (written.length < 150) await new Promise((resolve) => setTimeout(resolve, 20));

    const backupStarted = performance.now();
    const backup = await run(['backup', file], original);
    const backupEnded = performance.now();
    const duringBackup = written.filter((w) => w.createdAt > backupStarted && w.createdAt < backupEnded).length;
    stop = true;
    await Promise.all(writers);
    expect(backup.code, backup.stderr).toBe(0);
    expect(failures).toEqual([]);
    expect(backup.stdout).toContain(`Main database: ${file}`);
    expect(backup.stdout).toContain(`Vault store: ${file}.vault`);
    for (const copy of [file, `${file}.vault`]) expect(statSync(copy).mode & 0o777).toBe(0o600);

    // Restored into a new directory, and served from there with the same master key.
    const restore = await run(['restore', file], restored);
    expect(restore.code, restore.stderr).toBe(0);
    const again = await startNode(restored);

    // Acknowledged before the backup began: in it. Deleted then: not in it. A delete sent while the backup ran may or
    // may not be in it, so those keys are checked by neither list.
    const before = written.filter((w) => w.createdAt < backupStarted);
    const gone = before.filter((w) => w.deletedAt !== undefined && w.deletedAt < backupStarted);
    const live = before.filter((w) => w.deleteSentAt === undefined || w.deleteSentAt > backupEnded);
    expect(live.length).toBeGreaterThan(50);
    expect(gone.length).toBeGreaterThan(10);
    await inGroups(live, async (w) => {
      const verified = await api('keys.verifyKey', { key: w.key }, again);
      expect(verified.body.data, w.keyId).toMatchObject({ valid: true, keyId: w.keyId });
      if (w.recoverable) {
        const read = await api('keys.getKey', { keyId: w.keyId, decrypt: true }, again);
        expect(read.body.data?.plaintext, w.keyId).toBe(w.key);
      }
    });
    await inGroups(gone, async (w) => {
      const verified = await api('keys.verifyKey', { key: w.key }, again);
      expect(verified.body.data, w.keyId).toMatchObject({ valid: false, code: 'NOT_FOUND' });
    });
    // Writes acknowledged after the backup began may or may not be in it: counted, not checked.
    const later = written.filter((w) => w.createdAt >= backupStarted);
    let laterPresent = 0;
    await inGroups(later, async (w) => {
      if ((await api('keys.verifyKey', { key: w.key }, again)).body.data.valid) laterPresent++;
    });
    console.log(
      `${backup.stdout.split('\n').slice(0, 2).join('; ')}; the command took ${(backupEnded - backupStarted).toFixed(0)} ms (process start included) under load, ${duringBackup} creates acknowledged meanwhile; ` +
        `${before.length} creates and ${gone.length} deletes before it, all restored; ${laterPresent} of ${later.length} later creates in it`,
    );

    const audit = await runHere(['audit', 'verify'], restored);
    expect(audit.code, audit.stdout + audit.stderr).toBe(0);
    expect(audit.stdout).toMatch(/intact/);

    // Refusals, each changing nothing: a target that holds data, a target a server has open, an existing backup file,
    // a file that is not a backup, and PostgreSQL.
    const overData = await runHere(['restore', file], restored);
    expect(overData.code).toBe(1);
    expect(overData.stderr).toMatch(/already holds data; add --force to replace it/);
    const underServer = await runHere(['restore', file, '--force'], restored);
    expect(underServer.code).toBe(1);
    expect(underServer.stderr).toMatch(/is open in another process \(a running server\?\): stop it first/);
    expect((await api('keys.verifyKey', { key: live[0]!.key }, again)).body.data.valid).toBe(true);
    const exists = await runHere(['backup', file], original);
    expect(exists.code).toBe(1);
    expect(exists.stderr).toMatch(/already exists; a backup never replaces a file/);
    const notABackup = join(dir, 'notes.sqlite');
    writeFileSync(notABackup, 'not a database');
    const fresh = { ...restored, KEYWARD_DATA_DIR: join(dir, 'fresh') };
    const wrongFile = await runHere(['restore', notABackup], fresh);
    expect(wrongFile.code).toBe(1);
    expect(wrongFile.stderr).toMatch(/notes\.sqlite is not a main database backup/);
    expect(existsSync(join(dir, 'fresh', 'keyward.sqlite'))).toBe(false);
    const postgres = { ...restored, KEYWARD_DATABASE_URL: 'postgres://keyward@127.0.0.1:1/keyward' };
    for (const command of [
      ['backup', join(dir, 'never.sqlite')],
      ['restore', file],
    ]) {
      const refused = await runHere(command, postgres);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/PostgreSQL's own tools \(pg_dump and pg_restore, or pg_basebackup .*docs\/operations\.md, "Backups"/);
    }
  });
});
