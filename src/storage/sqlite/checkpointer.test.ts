import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { CHECKPOINTER_START_BYTES, SqliteCheckpointer } from './checkpointer.js';
import { openSqlite, SQLITE_AUTOCHECKPOINT_PAGES } from './open.js';
import { SqliteTransactionGroup } from './transaction-group.js';

describe('SqliteCheckpointer (bench/RESULTS.md, "Session 12")', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const open = () => {
    const dir = mkdtempSync(join(tmpdir(), 'keyward-checkpointer-'));
    dirs.push(dir);
    const file = join(dir, 'store.db');
    const opened = openSqlite(file);
    opened.sqlite!.exec('CREATE TABLE blobs (id INTEGER PRIMARY KEY, body BLOB NOT NULL)');
    const checkpointer = new SqliteCheckpointer(file);
    const group = new SqliteTransactionGroup(opened.db, opened.sqlite!, undefined, () => checkpointer.afterCommit());
    const walBytes = () => statSync(`${file}-wal`).size;
    return { file, opened, checkpointer, group, walBytes };
  };

  it('the server connection does not checkpoint at 1,000 pages: its commits leave that to the thread', () => {
    const { opened } = open();
    expect(opened.sqlite!.pragma('wal_autocheckpoint', { simple: true })).toBe(SQLITE_AUTOCHECKPOINT_PAGES);
    return opened.db.destroy();
  });

  it('starts once the WAL reaches its threshold, and keeps the WAL bounded while writes go on', async () => {
    const { file, opened, checkpointer, group, walBytes } = open();
    const write = (rows: number) =>
      group.run(async (db) => {
        for (let i = 0; i < rows; i++) await sql`INSERT INTO blobs (body) VALUES (randomblob(65536))`.execute(db);
      });
    await write(1);
    expect(checkpointer.started).toBe(false);
    let rows = 1;
    while (!checkpointer.started) {
      await write(8);
      rows += 8;
    }
    expect(walBytes()).toBeGreaterThanOrEqual(CHECKPOINTER_START_BYTES);
    await checkpointer.ready();
    // 48 MB more, in groups of 1 MB: without checkpoints the WAL would hold all of it (the server connection's own
    // backstop waits for 40 MB).
    let largest = 0;
    for (let round = 0; round < 48; round++) {
      await write(16);
      rows += 16;
      largest = Math.max(largest, walBytes());
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(largest).toBeLessThan(24 * 1024 * 1024);
    await checkpointer.close();
    await opened.db.destroy();
    // Everything committed is in the database.
    const again = openSqlite(file);
    expect(again.sqlite!.prepare('SELECT count(*) AS n FROM blobs').get()).toEqual({ n: rows });
    await again.db.destroy();
  }, 60_000);

  it('close before the thread was needed is a no-op', async () => {
    const { opened, checkpointer } = open();
    await checkpointer.close();
    expect(checkpointer.started).toBe(false);
    checkpointer.afterCommit();
    expect(checkpointer.started).toBe(false);
    await opened.db.destroy();
  });
});
