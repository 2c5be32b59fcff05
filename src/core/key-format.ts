import { hash as nodeHash, createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { CHECKSUM_MARKER, newChecksummedPart } from './checksummed-key.js';

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';

/** Bitcoin-alphabet base58; leading zero bytes become '1's. */
export function base58(bytes: Uint8Array): string {
  let zeros = 0;
  while (zeros < bytes.length && bytes[zeros] === 0) zeros++;
  const digits: number[] = [];
  for (let i = zeros; i < bytes.length; i++) {
    let carry = bytes[i]!;
    for (let j = 0; j < digits.length; j++) {
      carry += digits[j]! << 8;
      digits[j] = carry % 58;
      carry = Math.floor(carry / 58);
    }
    while (carry > 0) {
      digits.push(carry % 58);
      carry = Math.floor(carry / 58);
    }
  }
  let out = '1'.repeat(zeros);
  for (let i = digits.length - 1; i >= 0; i--) out += BASE58[digits[i]!];
  return out;
}

export interface NewKey {
  /** Shown to the caller once; never stored. */
  plaintext: string;
  hash: string;
  start: string;
}

/**
 * How an API's new keys are made: `checksummed` (`[<prefix>_]kw0<base62 body><CRC-32 in base62>`, the default for
 * APIs created since migration 0010; src/core/checksummed-key.ts) or `base58` (`[<prefix>_]<base58>`, upstream's
 * format, kept by APIs that existed before). Verification accepts both whatever the API's setting.
 */
export const KEY_FORMATS = ['checksummed', 'base58'] as const;
export type KeyFormat = (typeof KEY_FORMATS)[number];

/**
 * A new key of `byteLength` CSPRNG bytes' worth of entropy, optionally `<prefix>_`-prefixed. `start` is the prefix
 * and separator, then the first 4 characters of the random part (after the `kw0` marker of a checksummed key).
 */
export function generateKey(byteLength: number, prefix?: string | null, format: KeyFormat = 'base58'): NewKey {
  const body = format === 'checksummed' ? newChecksummedPart(byteLength) : base58(randomBytes(byteLength));
  const plaintext = prefix ? `${prefix}_${body}` : body;
  const shown = body.slice(0, format === 'checksummed' ? CHECKSUM_MARKER.length + 4 : 4);
  return { plaintext, hash: hashKey(plaintext), start: prefix ? `${prefix}_${shown}` : shown };
}

// crypto.hash is ~2.5x faster than createHash for short inputs; it arrived in Node 20.12.
const oneShot: ((alg: string, data: string, enc: 'base64') => string) | undefined = nodeHash as never;

/** The stored form of a key: standard base64 of SHA-256 over the whole key, prefix included. */
export function hashKey(plaintext: string): string {
  if (oneShot) return oneShot('sha256', plaintext, 'base64');
  return createHash('sha256').update(plaintext).digest('base64');
}

/** Constant-time string comparison for secrets and their hashes. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  if (left.length !== right.length) return false;
  return timingSafeEqual(left, right);
}
