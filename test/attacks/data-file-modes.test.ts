import { chmodSync, closeSync, mkdirSync, mkdtempSync, openSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer } from '../harness.js';
import { newApi, newKey } from '../key-fixtures.js';

// Issue 11, finding 11: the SQLite database and its -wal and -shm files (key hashes, ciphertexts, the audit log) were
// created 0644, readable by every user of the machine, while the vault store was already 0600. Now each file Keyward
// creates beside the database is 0600, in a directory it creates 0700. A directory that already exists is left as its
// owner made it (the files in it are 0600 all the same), and a database file that others can already read is left
// too, but named in a warning at start (docs/operations.md, "Hardening").

const root = mkdtempSync(join(tmpdir(), 'keyward-modes-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const mode = (path: string) => statSync(path).mode & 0o777;

/** A server on a SQLite file in `dir`, written to (so the -wal and -shm exist), then closed; what it logged. */
async function serveOnce(dir: string): Promise<string[]> {
  const lines: string[] = [];
  const t = await startTestServer({
    engine: 'sqlite',
    env: { KEYWARD_DATA_DIR: dir, KEYWARD_DATABASE_URL: join(dir, 'keyward.sqlite'), KEYWARD_LOG_LEVEL: 'warn' },
    logStream: { write: (line) => void lines.push(line) },
  });
  try {
    await newKey(t, { apiId: await newApi(t) });
    // The analytics file (src/analytics/sqlite-file.ts) is made at start; its -wal appears with the first event.
    expect(readdirSync(dir).sort()).toEqual([
      'keyward.sqlite',
      'keyward.sqlite-shm',
      'keyward.sqlite-wal',
      'keyward.sqlite.analytics',
      'keyward.sqlite.migrate-lock',
    ]);
  } finally {
    await t.close();
  }
  return lines;
}

// The files are SQLite's; with PostgreSQL as the engine under test, this runs once, on the SQLite run.
describe.skipIf(process.env.KEYWARD_TEST_ENGINE === 'postgres')('the SQLite files on a machine with other users', () => {
  it('a fresh data directory is created 0700, and every file in it 0600', async () => {
    const dir = join(root, 'fresh', 'data');
    const lines = await serveOnce(dir);
    expect(mode(join(root, 'fresh'))).toBe(0o700);
    expect(mode(dir)).toBe(0o700);
    for (const file of readdirSync(dir)) expect([file, mode(join(dir, file))]).toEqual([file, 0o600]);
    expect(lines.join('')).not.toContain('readable by other users');
  });

  it("a directory that already exists keeps its owner's mode; the files made in it are 0600", async () => {
    const dir = join(root, 'existing');
    mkdirSync(dir);
    chmodSync(dir, 0o755);
    await serveOnce(dir);
    expect(mode(dir)).toBe(0o755);
    for (const file of readdirSync(dir)) expect([file, mode(join(dir, file))]).toEqual([file, 0o600]);
  });

  it('a database file others can read is left as it is, and named in a warning', async () => {
    const dir = join(root, 'shared');
    mkdirSync(dir, { mode: 0o700 });
    closeSync(openSync(join(dir, 'keyward.sqlite'), 'w', 0o644));
    chmodSync(join(dir, 'keyward.sqlite'), 0o644);
    const lines = await serveOnce(dir);
    expect(mode(join(dir, 'keyward.sqlite'))).toBe(0o644);
    const warning = lines.map((line) => JSON.parse(line)).find((line) => String(line.msg).includes('readable by other users'));
    // SQLite gives the -wal and -shm files the database file's mode: all three are named.
    const database = join(dir, 'keyward.sqlite');
    expect(warning).toMatchObject({ level: 40, files: [database, `${database}-wal`, `${database}-shm`] });
  });

  it('an analytics file others can read is named in the warning too', async () => {
    const dir = join(root, 'shared-analytics');
    mkdirSync(dir, { mode: 0o700 });
    const analytics = join(dir, 'keyward.sqlite.analytics');
    closeSync(openSync(analytics, 'w', 0o644));
    chmodSync(analytics, 0o644);
    const lines = await serveOnce(dir);
    expect(mode(analytics)).toBe(0o644);
    const warning = lines.map((line) => JSON.parse(line)).find((line) => String(line.msg).includes('readable by other users'));
    expect(warning?.files).toContain(analytics);
  });
});
