import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { formatMasterKey, generateMasterKey, MasterKeyring, parseMasterKeys } from './master-keys.js';

describe('KEYWARD_MASTER_KEYS', () => {
  const one = formatMasterKey(1, randomBytes(32));
  const two = formatMasterKey(2, randomBytes(32));

  it('parses versioned 32-byte keys in any order; the highest version is the newest', () => {
    const { keys, problems } = parseMasterKeys(` ${two} , ${one} `);
    expect(problems).toEqual([]);
    expect(keys.map((k) => k.version)).toEqual([1, 2]);
    const ring = new MasterKeyring(keys);
    expect(ring.newest.version).toBe(2);
    expect(ring.newest.key.toString('base64')).toBe(two.split(':')[1]);
    expect(ring.get(1)?.length).toBe(32);
    expect(ring.get(3)).toBeUndefined();
  });

  it('empty means no master key', () => {
    expect(parseMasterKeys('')).toEqual({ keys: [], problems: [] });
    expect(() => new MasterKeyring([])).toThrow(/No master key configured/);
  });

  it('refuses malformed entries by position, never echoing a value', () => {
    const secret = randomBytes(32).toString('base64');
    const short = randomBytes(16).toString('base64');
    const cases = [
      `${secret}`,
      `x:${secret}`,
      `0:${secret}`,
      `1:${short}`,
      `1:${secret.replace(/=*$/, '')}`,
      `1:${secret}!`,
      `-1:${secret}`,
      `1:${randomBytes(33).toString('base64')}`,
    ];
    for (const raw of cases) {
      const { keys, problems } = parseMasterKeys(raw);
      expect(keys, raw).toEqual([]);
      expect(problems, raw).toHaveLength(1);
      expect(problems[0]).toMatch(/^KEYWARD_MASTER_KEYS entry 1/);
      expect(problems[0]).not.toContain(secret);
    }
    expect(parseMasterKeys(`${one},${one.replace(/^1:/, '1:')}`).problems).toEqual([
      'KEYWARD_MASTER_KEYS entry 2: version 1 is listed twice',
    ]);
    expect(parseMasterKeys(`${one},${one.replace(/^1:/, '2:')}`).problems).toEqual([
      'KEYWARD_MASTER_KEYS entry 2: the same key is listed under two versions',
    ]);
    expect(parseMasterKeys(`${one},,${two}`).problems).toHaveLength(1);
  });

  it('generates entries in exactly the form it parses', () => {
    const entry = generateMasterKey(7);
    expect(entry).toMatch(/^7:[A-Za-z0-9+/]{43}=$/);
    expect(parseMasterKeys(entry).keys).toEqual([{ version: 7, key: entry.slice(2) }]);
    expect(generateMasterKey(7)).not.toBe(entry);
  });
});
