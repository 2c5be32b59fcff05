import { describe, expect, it } from 'vitest';
import { totp } from './totp.js';

describe('the browser tests’ TOTP', () => {
  it('matches the RFC 6238 test vectors (SHA-1, last six digits)', () => {
    // RFC 6238, Appendix B: the secret is the ASCII "12345678901234567890", here in base32.
    const secret = 'GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ';
    expect(totp(secret, 59_000)).toBe('287082');
    expect(totp(secret, 1_111_111_109_000)).toBe('081804');
    expect(totp(secret, 1_111_111_111_000)).toBe('050471');
    expect(totp(secret, 1_234_567_890_000)).toBe('005924');
    expect(totp(secret, 2_000_000_000_000)).toBe('279037');
    expect(totp('GEZD GNBV GY3T QOJQ GEZD GNBV GY3T QOJQ', 59_000)).toBe('287082');
  });
});
