import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The random secrets of the dashboard: session, CSRF and setup tokens, recovery codes. Only their SHA-256 is stored. */

/** 256 random bits, base64url (43 characters). */
export const newToken = (): string => randomBytes(32).toString('base64url');

export const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

export const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** Equal strings, compared in time that depends only on their lengths. */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const RECOVERY_ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/** A recovery code: 10 characters of Crockford base32 (50 bits) as `xxxxx-xxxxx`. */
export function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => RECOVERY_ALPHABET[b & 31]);
  return `${chars.slice(0, 5).join('')}-${chars.slice(5).join('')}`;
}

/** What is hashed of a recovery code: lower case, without the dash or spaces people may type. */
export const recoveryCodeHash = (code: string): string => sha256(code.toLowerCase().replace(/[\s-]/g, ''));
