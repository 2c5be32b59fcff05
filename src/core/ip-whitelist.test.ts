import { describe, expect, it } from 'vitest';
import { ipEntryProblem, ipMatcher } from './ip-whitelist.js';

describe('ipEntryProblem', () => {
  it('accepts addresses and CIDR ranges of both families', () => {
    for (const entry of [
      '10.0.0.1',
      '10.0.0.0/8',
      '0.0.0.0/0',
      '255.255.255.255/32',
      '::1',
      '2001:db8::/32',
      '::/0',
      'fe80::/128',
      '::ffff:10.0.0.0/104',
    ]) {
      expect(ipEntryProblem(entry)).toBeUndefined();
    }
  });

  it('refuses anything else', () => {
    for (const entry of [
      '',
      'localhost',
      '10.0.0',
      '10.0.0.256',
      '10.0.0.0/33',
      '::/129',
      '10.0.0.0/',
      '10.0.0.0/a',
      '10.0.0.0/+8',
      '10.0.0.0/8/8',
      ' 10.0.0.1',
      '/8',
    ]) {
      expect(ipEntryProblem(entry), entry).toMatch(new RegExp(`'${entry.replace(/[.+/]/g, '\\$&')}'`));
    }
  });
});

describe('ipMatcher', () => {
  const allow = ipMatcher(['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::ffff:172.16.0.1']);

  it('matches addresses and ranges of both families, mapped or plain', () => {
    expect(allow('10.200.3.4')).toBe(true);
    expect(allow('::ffff:10.200.3.4')).toBe(true);
    expect(allow('192.168.1.7')).toBe(true);
    expect(allow('2001:db8:1::5')).toBe(true);
    expect(allow('172.16.0.1')).toBe(true);
  });

  it('refuses everything else, including null and things that are not addresses', () => {
    for (const ip of ['11.0.0.1', '192.168.1.8', '2001:db9::1', '127.0.0.1', '::1', 'unknown', '']) expect(allow(ip), ip).toBe(false);
    expect(allow(null)).toBe(false);
  });

  it('skips an entry that is not valid (stored outside the API) instead of throwing', () => {
    const partial = ipMatcher(['garbage', '10.0.0.0/99', '10.0.0.0/8']);
    expect(partial('10.1.1.1')).toBe(true);
    expect(partial('11.1.1.1')).toBe(false);
  });
});
