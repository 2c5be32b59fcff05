import { describe, expect, it } from 'vitest';
import { chooseContentCoding } from './accept-encoding.js';

/** Picking a stored coding of a dashboard file from Accept-Encoding (http/accept-encoding.ts). */

const BOTH = ['br', 'gzip'] as const;

describe('chooseContentCoding', () => {
  it('takes identity when the request names no coding the file has', () => {
    expect(chooseContentCoding(undefined, BOTH)).toBeUndefined();
    expect(chooseContentCoding('', BOTH)).toBeUndefined();
    expect(chooseContentCoding('identity', BOTH)).toBeUndefined();
    expect(chooseContentCoding('deflate, zstd', BOTH)).toBeUndefined();
    expect(chooseContentCoding('gzip, br', [])).toBeUndefined();
  });

  it('prefers brotli on a tie and otherwise follows q', () => {
    expect(chooseContentCoding('gzip, deflate, br, zstd', BOTH)).toBe('br');
    expect(chooseContentCoding('gzip, deflate', BOTH)).toBe('gzip');
    expect(chooseContentCoding('br;q=0.4, gzip;q=0.8', BOTH)).toBe('gzip');
    expect(chooseContentCoding('br;q=0.9, gzip;q=0.8', BOTH)).toBe('br');
    expect(chooseContentCoding('gzip, br', ['gzip'])).toBe('gzip');
  });

  it('refuses a coding at q=0, reads * for the unnamed ones, and the header case-insensitively', () => {
    expect(chooseContentCoding('br;q=0, gzip', BOTH)).toBe('gzip');
    expect(chooseContentCoding('br;q=0, gzip;q=0', BOTH)).toBeUndefined();
    expect(chooseContentCoding('*', BOTH)).toBe('br');
    expect(chooseContentCoding('br;q=0, *;q=0.5', BOTH)).toBe('gzip');
    expect(chooseContentCoding('*;q=0', BOTH)).toBeUndefined();
    expect(chooseContentCoding('BR ; Q=0.5, X-GZIP', BOTH)).toBe('gzip');
  });

  it('reads a header sent more than once as one list', () => {
    expect(chooseContentCoding(['deflate', 'gzip'], BOTH)).toBe('gzip');
  });
});
