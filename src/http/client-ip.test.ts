import { describe, expect, it } from 'vitest';
import { clientIp, forwardedForIgnored, proxyTrust } from './client-ip.js';

const req = (remoteAddress: string | undefined, forwardedFor?: string | string[]) =>
  ({ headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor }, socket: { remoteAddress } }) as Parameters<
    typeof clientIp
  >[0];

describe('clientIp', () => {
  it('without trustProxy: always the socket address, whatever X-Forwarded-For claims', () => {
    expect(clientIp(req('192.0.2.1'), false)).toBe('192.0.2.1');
    expect(clientIp(req('192.0.2.1', '10.0.0.1'), false)).toBe('192.0.2.1');
    expect(clientIp(req(undefined, '10.0.0.1'), false)).toBeNull();
  });

  it('with trustProxy: the first X-Forwarded-For entry, trimmed; else the socket address', () => {
    expect(clientIp(req('192.0.2.1', ' 10.0.0.1 , 172.16.0.1'), true)).toBe('10.0.0.1');
    expect(clientIp(req('192.0.2.1', ['10.0.0.2', '172.16.0.1']), true)).toBe('10.0.0.2');
    expect(clientIp(req('192.0.2.1', '2001:db8::1'), true)).toBe('2001:db8::1');
    expect(clientIp(req('192.0.2.1', ''), true)).toBe('192.0.2.1');
    expect(clientIp(req('192.0.2.1', ' , 10.0.0.1'), true)).toBe('192.0.2.1');
    expect(clientIp(req('192.0.2.1'), true)).toBe('192.0.2.1');
    expect(clientIp(req(undefined), true)).toBeNull();
  });

  it('reports IPv4-mapped IPv6 as plain IPv4, from the socket or the header', () => {
    expect(clientIp(req('::ffff:127.0.0.1'), false)).toBe('127.0.0.1');
    expect(clientIp(req('::FFFF:10.1.2.3'), false)).toBe('10.1.2.3');
    expect(clientIp(req('192.0.2.1', '::ffff:10.0.0.1'), true)).toBe('10.0.0.1');
    // Only a mapped IPv4 address is unwrapped.
    expect(clientIp(req('::ffff:abcd'), false)).toBe('::ffff:abcd');
    expect(clientIp(req('::1'), false)).toBe('::1');
  });

  // Upstream reads X-Forwarded-For from anyone; a list keeps Keyward's safe default for every other peer.
  describe('with a list of trusted proxies', () => {
    const trust = proxyTrust(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32', '::ffff:198.51.100.1']);

    it('uses X-Forwarded-For only when the socket peer is a trusted proxy', () => {
      expect(clientIp(req('10.1.1.1', '203.0.113.9'), trust)).toBe('203.0.113.9');
      expect(clientIp(req('::ffff:192.0.2.7', '203.0.113.9'), trust)).toBe('203.0.113.9');
      expect(clientIp(req('2001:db8::5', '2001:db9::1'), trust)).toBe('2001:db9::1');
      expect(clientIp(req('198.51.100.1', '203.0.113.9'), trust)).toBe('203.0.113.9');
      // Any other peer: the header is ignored, whatever it claims.
      expect(clientIp(req('203.0.113.50', '10.0.0.1'), trust)).toBe('203.0.113.50');
      expect(clientIp(req('192.0.2.8', '203.0.113.9'), trust)).toBe('192.0.2.8');
      expect(clientIp(req(undefined, '203.0.113.9'), trust)).toBeNull();
    });

    it('the client is the right-most entry that is not itself a trusted proxy (left of it could be forged)', () => {
      expect(clientIp(req('10.0.0.2', '198.18.0.1, 203.0.113.9, 10.0.0.3'), trust)).toBe('203.0.113.9');
      expect(clientIp(req('10.0.0.2', ['198.18.0.1', '203.0.113.9 , 10.0.0.3']), trust)).toBe('203.0.113.9');
      expect(clientIp(req('10.0.0.2', ' ::ffff:203.0.113.9 ,, '), trust)).toBe('203.0.113.9');
      // Every entry a trusted proxy: the left-most; an empty header: the peer.
      expect(clientIp(req('10.0.0.2', '10.0.0.9, 10.0.0.3'), trust)).toBe('10.0.0.9');
      expect(clientIp(req('10.0.0.2', ' , '), trust)).toBe('10.0.0.2');
      expect(clientIp(req('10.0.0.2'), trust)).toBe('10.0.0.2');
    });

    it('forwardedForIgnored: a header was sent and the peer is not trusted', () => {
      expect(forwardedForIgnored(req('203.0.113.50', '10.0.0.1'), trust)).toBe(true);
      expect(forwardedForIgnored(req('10.1.1.1', '203.0.113.9'), trust)).toBe(false);
      expect(forwardedForIgnored(req('203.0.113.50'), trust)).toBe(false);
      expect(forwardedForIgnored(req('192.0.2.1', '10.0.0.1'), false)).toBe(true);
      expect(forwardedForIgnored(req('192.0.2.1'), false)).toBe(false);
      expect(forwardedForIgnored(req('192.0.2.1', '10.0.0.1'), true)).toBe(false);
    });
  });
});
