import { createDecipheriv, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { NONCE_BYTES, TAG_BYTES, open, openParts, seal } from './aead.js';
import { VaultDecryptError } from './errors.js';

/**
 * Tampering with AES-256-GCM sealed data: every single-bit flip of nonce, ciphertext and tag, every
 * truncation, short tags (4, 8, 12 bytes) and the wrong associated data are all refused with the one
 * generic VaultDecryptError, never a crash and never a partial plaintext.
 */

const key = randomBytes(32);
const aad = Buffer.from('["keyward.key.v1","ws_1","key_1","dek_1"]');
const plaintext = Buffer.from('sk_4kQ9cS2v8XyLmN3pRt7Wz');

function refused(attempt: () => unknown): VaultDecryptError {
  let error: unknown;
  try {
    attempt();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(VaultDecryptError);
  expect((error as Error).message).toBe('decryption failed');
  return error as VaultDecryptError;
}

describe('AES-256-GCM seal/open', () => {
  it('round-trips, with a 12-byte nonce and a 16-byte tag around the ciphertext', () => {
    const sealed = seal(key, plaintext, aad);
    expect(sealed.length).toBe(NONCE_BYTES + plaintext.length + TAG_BYTES);
    expect(open(key, sealed, aad).equals(plaintext)).toBe(true);
    expect(sealed.includes(plaintext)).toBe(false);
  });

  it('refuses every single-bit flip of the nonce, the ciphertext and the tag', () => {
    const sealed = seal(key, plaintext, aad);
    const regions = {
      nonce: [0, NONCE_BYTES],
      ciphertext: [NONCE_BYTES, sealed.length - TAG_BYTES],
      tag: [sealed.length - TAG_BYTES, sealed.length],
    };
    let flips = 0;
    for (const [start, end] of Object.values(regions)) {
      for (let byte = start!; byte < end!; byte++) {
        for (let bit = 0; bit < 8; bit++) {
          const tampered = Buffer.from(sealed);
          tampered[byte]! ^= 1 << bit;
          refused(() => open(key, tampered, aad));
          flips++;
        }
      }
    }
    expect(flips).toBe(sealed.length * 8);
  });

  it('refuses every truncation and every extension', () => {
    const sealed = seal(key, plaintext, aad);
    for (let length = 0; length < sealed.length; length++) refused(() => open(key, sealed.subarray(0, length), aad));
    for (let length = 1; length < sealed.length; length++) refused(() => open(key, sealed.subarray(length), aad));
    refused(() => open(key, Buffer.concat([sealed, Buffer.from([0])]), aad));
  });

  it('refuses 4, 8 and 12-byte tags, which Node itself would accept without authTagLength', () => {
    const sealed = seal(key, plaintext, aad);
    const nonce = sealed.subarray(0, NONCE_BYTES);
    const body = sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES);
    const tag = sealed.subarray(sealed.length - TAG_BYTES);
    for (const length of [4, 8, 12]) {
      const short = tag.subarray(0, length);
      // The danger being guarded against: a decipher without authTagLength authenticates a truncated tag.
      const lax = createDecipheriv('aes-256-gcm', key, nonce);
      lax.setAAD(aad);
      lax.setAuthTag(short);
      expect(Buffer.concat([lax.update(body), lax.final()]).equals(plaintext)).toBe(true);
      // Ours refuses it, as parts and as a sealed blob ending in the short tag.
      refused(() => openParts(key, nonce, body, short, aad));
      refused(() => open(key, Buffer.concat([nonce, body, short]), aad));
    }
    expect(openParts(key, nonce, body, tag, aad).equals(plaintext)).toBe(true);
  });

  it('refuses other associated data, another key, and malformed keys and nonces', () => {
    const sealed = seal(key, plaintext, aad);
    refused(() => open(key, sealed, Buffer.from('["keyward.key.v1","ws_1","key_2","dek_1"]')));
    refused(() => open(key, sealed, Buffer.alloc(0)));
    refused(() => open(randomBytes(32), sealed, aad));
    refused(() => open(key.subarray(0, 16), sealed, aad));
    refused(() => openParts(key, sealed.subarray(0, 8), sealed.subarray(NONCE_BYTES, -TAG_BYTES), sealed.subarray(-TAG_BYTES), aad));
  });

  it('seals with a fresh random nonce each time', () => {
    const nonces = new Set(Array.from({ length: 1000 }, () => seal(key, plaintext, aad).subarray(0, NONCE_BYTES).toString('hex')));
    expect(nonces.size).toBe(1000);
  });
});
