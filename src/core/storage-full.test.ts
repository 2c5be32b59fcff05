import { expect, it } from 'vitest';
import { isStorageFull } from './storage-full.js';

const failure = (code: string, message = 'failed') => Object.assign(new Error(message), { code });

it('knows a full disk by SQLite, system and PostgreSQL codes, also when wrapped, and nothing else', () => {
  for (const code of ['SQLITE_FULL', 'ENOSPC', '53100']) {
    expect(isStorageFull(failure(code)), code).toBe(true);
    expect(isStorageFull(new Error('wrapped', { cause: failure(code) })), `${code} as a cause`).toBe(true);
  }
  for (const error of [failure('SQLITE_BUSY'), failure('ECONNREFUSED'), failure('57P01'), new Error('no code'), 'SQLITE_FULL', undefined]) {
    expect(isStorageFull(error)).toBe(false);
  }
});
