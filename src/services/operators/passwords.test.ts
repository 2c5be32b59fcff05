import { describe, expect, it } from 'vitest';
import { checkPassword, hashPassword, requirePasswordPolicy } from './passwords.js';

describe('operator passwords', () => {
  it('are hashed with argon2id at OWASP parameters (19 MiB, 2 passes, 1 lane), salted, and verify', async () => {
    const hash = await hashPassword('correct horse battery staple');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hashPassword('correct horse battery staple')).not.toBe(hash);
    expect(await checkPassword(hash, 'correct horse battery staple')).toBe(true);
    expect(await checkPassword(hash, 'correct horse battery stapler')).toBe(false);
    // No hash (an unknown operator): the decoy is checked and the answer is false, whatever the password.
    expect(await checkPassword(undefined, 'correct horse battery staple')).toBe(false);
    expect(await checkPassword('not a hash', 'x')).toBe(false);
  });

  it('must be 12 to 256 characters (code points)', () => {
    expect(() => requirePasswordPolicy('x'.repeat(11))).toThrow(/12 to 256/);
    expect(() => requirePasswordPolicy('x'.repeat(257))).toThrow(/12 to 256/);
    requirePasswordPolicy('x'.repeat(12));
    requirePasswordPolicy('😀'.repeat(256));
  });
});
