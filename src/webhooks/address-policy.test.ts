import { describe, expect, it } from 'vitest';
import { endpointUrlProblem, isPublicAddress } from './address-policy.js';

describe('webhook address policy', () => {
  it('refuses loopback, private, link-local, shared, reserved and mapped addresses; accepts public ones', () => {
    for (const address of [
      '127.0.0.1',
      '10.1.2.3',
      '172.16.0.1',
      '172.31.255.255',
      '192.168.1.1',
      '169.254.169.254',
      '100.64.0.1',
      '0.0.0.0',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      '::',
      'fe80::1',
      'fd00::1',
      '::ffff:127.0.0.1',
      '::ffff:10.0.0.1',
      'not an address',
    ]) {
      expect(isPublicAddress(address), address).toBe(false);
    }
    for (const address of ['8.8.8.8', '1.1.1.1', '172.32.0.1', '2606:4700:4700::1111', '::ffff:8.8.8.8']) {
      expect(isPublicAddress(address), address).toBe(true);
    }
  });

  it('checks endpoint URLs: scheme, credentials, and private hosts unless allowed', () => {
    expect(endpointUrlProblem('https://hooks.example.com/keyward', false)).toBeUndefined();
    expect(endpointUrlProblem('ftp://hooks.example.com/', false)).toBe('must be http or https');
    expect(endpointUrlProblem('https://user:pw@hooks.example.com/', false)).toBe('must not carry a user name or password');
    expect(endpointUrlProblem('nothing', false)).toBe('is not an absolute URL');
    expect(endpointUrlProblem('http://localhost:8080/', false)).toMatch(/localhost/);
    expect(endpointUrlProblem('http://127.0.0.1:8080/', false)).toMatch(/private/);
    expect(endpointUrlProblem('http://[::1]:8080/', false)).toMatch(/private/);
    expect(endpointUrlProblem('http://169.254.169.254/latest/meta-data', false)).toMatch(/private/);
    expect(endpointUrlProblem('http://127.0.0.1:8080/', true)).toBeUndefined();
  });
});
