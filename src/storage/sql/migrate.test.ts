import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { openDatabase } from './dialect.js';
import { migrateToLatest } from './migrate.js';

const dir = mkdtempSync(join(tmpdir(), 'keyward-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('several connections migrating one new SQLite file at once apply each migration exactly once', async () => {
  const file = join(dir, 'race.sqlite');
  const opened = Array.from({ length: 6 }, () => openDatabase(file));
  try {
    const applied = await Promise.all(opened.map(({ db, dialect }) => migrateToLatest(db, dialect)));
    const all = applied.flat();
    expect(all.filter((name) => name === '0001_initial')).toHaveLength(1);
    expect(new Set(all).size).toBe(all.length);
    expect(await migrateToLatest(opened[0]!.db, opened[0]!.dialect)).toEqual([]);
  } finally {
    await Promise.all(opened.map(({ db }) => db.destroy()));
  }
});
