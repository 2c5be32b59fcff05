import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../config.js';
import { freshDatabase } from '../../../test/harness.js';
import { DEFAULT_SQLITE_MMAP_MB } from './mmap.js';
import { openSqlite } from './open.js';

const MB = 1024 * 1024;

async function mmapSizeOf(options: Parameters<typeof openSqlite>[1]): Promise<unknown> {
  const { url, drop } = await freshDatabase('sqlite');
  const { db, sqlite } = openSqlite(url, options);
  try {
    return sqlite?.pragma('mmap_size', { simple: true });
  } finally {
    await db.destroy();
    await drop();
  }
}

describe('openSqlite', () => {
  it('reads the database file through a memory map of the default size (decisions 0031, 0035), so a lookup in a store larger than the page cache is no read() per page', async () => {
    expect(DEFAULT_SQLITE_MMAP_MB).toBeGreaterThan(0);
    expect(await mmapSizeOf(undefined)).toBe(DEFAULT_SQLITE_MMAP_MB * MB);
  });

  it('maps as much as it is given, and nothing with 0', async () => {
    expect(await mmapSizeOf({ mmapBytes: 64 * MB })).toBe(64 * MB);
    expect(await mmapSizeOf({ mmapBytes: 0 })).toBe(0);
  });

  it('takes KEYWARD_SQLITE_MMAP_MB from the configuration, up to the 2047 MB SQLite accepts, and refuses anything else', async () => {
    const config = (value: string | undefined) => loadConfig({ KEYWARD_DATA_DIR: '/tmp/keyward-mmap-test', KEYWARD_SQLITE_MMAP_MB: value });
    expect(config(undefined).sqliteMmapBytes).toBe(DEFAULT_SQLITE_MMAP_MB * MB);
    expect(config('0').sqliteMmapBytes).toBe(0);
    expect(config('2047').sqliteMmapBytes).toBe(2047 * MB);
    expect(await mmapSizeOf({ mmapBytes: config('2047').sqliteMmapBytes })).toBe(2047 * MB);
    for (const wrong of ['2048', '-1', '1.5', 'lots']) {
      expect(() => config(wrong)).toThrow(`KEYWARD_SQLITE_MMAP_MB must be an integer from 0 to 2047, got "${wrong}"`);
    }
  });
});
