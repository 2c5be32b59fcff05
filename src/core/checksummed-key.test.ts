import { crc32 as zlibCrc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { bodyWidth, checksumOf, crc32, failsChecksum } from './checksummed-key.js';
import { generateKey } from './key-format.js';

const SCANNER_PATTERN = /^(?:[A-Za-z0-9_]{1,16}_)?kw0[0-9A-Za-z]{28,349}$/;

describe('checksummed keys', () => {
  it("CRC-32 is zlib's", () => {
    for (const text of ['', 'a', '123456789', 'AbCdEfGhIjKlMnOpQrStUv', 'x'.repeat(343)]) {
      expect(crc32(text)).toBe(zlibCrc32(text));
    }
    // The check value of CRC-32/ISO-HDLC.
    expect(crc32('123456789')).toBe(0xcbf43926);
  });

  it('a generated key has the documented shape, width and checksum, and passes', () => {
    for (const [bytes, prefix] of [
      [16, null],
      [16, 'sk_live'],
      [32, 'a'],
      [255, 'abcdefghijklmnop'],
    ] as const) {
      const { plaintext, start } = generateKey(bytes, prefix, 'checksummed');
      expect(plaintext).toMatch(SCANNER_PATTERN);
      const tail = plaintext.slice(plaintext.lastIndexOf('kw0') + 3);
      expect(tail.length).toBe(bodyWidth(bytes) + 6);
      expect(tail.slice(-6)).toBe(checksumOf(tail.slice(0, -6)));
      expect(start).toBe(`${prefix ? `${prefix}_` : ''}kw0${tail.slice(0, 4)}`);
      expect(failsChecksum(plaintext)).toBe(false);
    }
    expect(bodyWidth(16)).toBe(22);
  });

  it('every single-character change of a key is refused', () => {
    const { plaintext } = generateKey(16, 'sk', 'checksummed');
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    let changed = 0;
    for (let i = 'sk_kw0'.length; i < plaintext.length; i++) {
      for (const c of alphabet) {
        if (c === plaintext[i]) continue;
        const typo = plaintext.slice(0, i) + c + plaintext.slice(i + 1);
        expect(failsChecksum(typo), typo).toBe(true);
        changed++;
      }
    }
    expect(changed).toBe(28 * 61);
  });

  it('never refuses a base58 key, whatever its prefix (the marker holds a 0, which base58 never writes)', () => {
    for (let i = 0; i < 5000; i++) {
      const prefix = i % 3 === 0 ? null : i % 3 === 1 ? 'kw0' : 'x_kw0';
      expect(failsChecksum(generateKey(16 + (i % 40), prefix).plaintext)).toBe(false);
    }
  });

  it('leaves strings of other shapes alone: they are looked up like any key', () => {
    const { plaintext } = generateKey(16, null, 'checksummed');
    const body = plaintext.slice(3, -6);
    for (const other of [
      '',
      'kw0',
      `kw0${body}`, // too short for a checksum
      `kw0${body}${checksumOf(body)}`.replace(/.$/, '-'), // not base62
      `${'p'.repeat(17)}_${plaintext}`, // prefix longer than 16
      `p-q_${plaintext}`.replace(/.$/, 'x'), // prefix outside [A-Za-z0-9_]
      `kw0${'A'.repeat(350)}`, // longer than 255 bytes' worth and a checksum
    ]) {
      expect(failsChecksum(other), other).toBe(false);
    }
  });
});
