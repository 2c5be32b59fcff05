import { describe, expect, it } from 'vitest';
import { clientIp } from './client-ip.js';

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
});
