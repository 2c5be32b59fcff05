import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../../../test/harness.js';
import { openSqlite, SQLITE_MMAP_BYTES } from './open.js';

describe('openSqlite', () => {
  it('reads the database file through a memory map, so a lookup in a store larger than the page cache is no read() per page', async () => {
    const { url, drop } = await freshDatabase('sqlite');
    const { db, sqlite } = openSqlite(url);
    try {
      expect(sqlite?.pragma('mmap_size', { simple: true })).toBe(SQLITE_MMAP_BYTES);
    } finally {
      await db.destroy();
      await drop();
    }
  });
});
