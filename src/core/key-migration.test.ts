import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashKey } from './key-format.js';
import { importedHash, legacyHash, MIGRATED_KEY_START, migratedKeyStart } from './key-migration.js';

const hex = (text: string) => createHash('sha256').update(text).digest('hex');

describe('legacyHash', () => {
  it('sha256_base64 is Keyward’s own hash of the whole key', () => {
    expect(legacyHash('sha256_base64', 'sk_abc')).toBe(hashKey('sk_abc'));
  });

  it('sha256_hex is the lowercase hex of SHA-256 over the whole key', () => {
    expect(legacyHash('sha256_hex', 'sk_abc')).toBe(hex('sk_abc'));
    expect(legacyHash('sha256_hex', 'abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('prefixed_api_key hashes the long token only (the part after the last underscore), as seamapi/prefixed-api-key', () => {
    const key = 'mycompany_BRTRKFsL_51FwqftsmMDHHbJAMEXXHCgG';
    expect(legacyHash('prefixed_api_key', key)).toBe(hex('51FwqftsmMDHHbJAMEXXHCgG'));
    // Any key ending in the same long token has the same legacy hash: the scheme's own weakness.
    expect(legacyHash('prefixed_api_key', 'other_xxxxxxxx_51FwqftsmMDHHbJAMEXXHCgG')).toBe(legacyHash('prefixed_api_key', key));
    expect(legacyHash('prefixed_api_key', 'notoken')).toBe(hex('notoken'));
    expect(legacyHash('prefixed_api_key', 'ends_with_')).toBeUndefined();
  });
});

describe('importedHash', () => {
  const base64 = hashKey('anything');
  const digest = hex('anything');

  it('accepts canonical base64 of 32 bytes for sha256_base64, as given', () => {
    expect(importedHash('sha256_base64', base64)).toEqual({ hash: base64 });
  });

  it('accepts 64 hex digits for sha256_hex and prefixed_api_key, stored lowercase', () => {
    expect(importedHash('sha256_hex', digest)).toEqual({ hash: digest });
    expect(importedHash('prefixed_api_key', digest.toUpperCase())).toEqual({ hash: digest });
  });

  it.each([
    ['sha256_base64', digest, 'looks like hex'],
    ['sha256_base64', base64.slice(0, -1), 'standard base64'],
    ['sha256_base64', `${base64.slice(0, 42)}B=`, 'standard base64'], // non-canonical trailing bits
    ['sha256_base64', Buffer.alloc(31).toString('base64'), 'standard base64'],
    ['sha256_base64', base64.replace(/[+/]/g, '-').replace(/^./, '_'), 'standard base64'],
    ['sha256_hex', base64, 'looks like base64'],
    ['sha256_hex', digest.slice(1), '64 hex digits'],
    ['sha256_hex', `${digest.slice(1)}g`, '64 hex digits'],
    ['prefixed_api_key', 'abc', '64 hex digits'],
  ] as const)('refuses %s hash %s', (algorithm, hash, problem) => {
    const result = importedHash(algorithm, hash);
    expect('problem' in result && result.problem).toContain(problem);
  });
});

describe('migratedKeyStart', () => {
  it('keeps a short alphanumeric prefix and four characters of the body', () => {
    expect(migratedKeyStart('sk_live_abcdefghijklmnopqrstuvwxyz')).toEqual({ start: 'sk_live', prefix: 'sk' });
    expect(migratedKeyStart('mycompany_BRTRKFsL_51FwqftsmMDHHbJAMEXXHCgG')).toEqual({ start: 'mycompany_BRTR', prefix: 'mycompany' });
    expect(migratedKeyStart('3ZfJtTRLoZ8mVGoo2cRNXgJ6Zj')).toEqual({ start: '3ZfJ', prefix: null });
  });

  it('treats a long or odd first segment as part of the secret', () => {
    expect(migratedKeyStart('abcdefghijklmnopq_rstuvwxyz0123456789')).toEqual({ start: 'abcd', prefix: null });
    expect(migratedKeyStart('a-b_cdefghijklmnopqrstuvwxyz')).toEqual({ start: 'a-b_', prefix: null });
    expect(migratedKeyStart('_leadingunderscore_secretsecret')).toEqual({ start: '_lea', prefix: null });
  });

  it('shows nothing of a short body, and is never empty nor the placeholder', () => {
    expect(migratedKeyStart('sk_short')).toEqual({ start: 'sk_', prefix: 'sk' });
    expect(migratedKeyStart('tiny')).toEqual({ start: '****', prefix: null });
    for (const key of ['(migrated)', '(migrated)(migrated)(migrated)', 'x']) {
      const { start } = migratedKeyStart(key);
      expect(start).not.toBe(MIGRATED_KEY_START);
      expect(start.length).toBeGreaterThan(0);
      expect(start.length).toBeLessThanOrEqual(50);
    }
  });
});
