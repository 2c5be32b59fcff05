import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { VaultDecryptError } from './errors.js';

/**
 * AES-256-GCM, the only cipher the vault uses (for key ciphertexts and for wrapping data keys).
 *
 * Sealed form: nonce (12 random bytes) | ciphertext | tag (16 bytes). A random 96-bit nonce is safe for
 * up to 2^32 messages under one key (NIST SP 800-38D, section 8.3); data keys are retired long before
 * that (DEFAULT_DEK_MAX_ENCRYPTIONS, 2^24).
 *
 * Node accepts truncated GCM tags (4, 8, 12..15 bytes) unless `authTagLength` is given, which would
 * let a forger guess a 4-byte tag in 2^32 tries. Every decipher here sets `authTagLength: 16` AND
 * refuses any tag that is not 16 bytes before calling Node at all.
 */

export const KEY_BYTES = 32;
export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
const ALGORITHM = 'aes-256-gcm';

export function seal(key: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Buffer {
  if (key.length !== KEY_BYTES) throw new Error('AES-256-GCM needs a 32-byte key');
  const nonce = randomBytes(NONCE_BYTES);
  const cipher = createCipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, body, cipher.getAuthTag()]);
}

/** Decrypts and authenticates the parts; any problem at all is the one VaultDecryptError. */
export function openParts(key: Uint8Array, nonce: Uint8Array, body: Uint8Array, tag: Uint8Array, aad: Uint8Array): Buffer {
  if (key.length !== KEY_BYTES || nonce.length !== NONCE_BYTES || tag.length !== TAG_BYTES) throw new VaultDecryptError();
  try {
    const decipher = createDecipheriv(ALGORITHM, key, nonce, { authTagLength: TAG_BYTES });
    decipher.setAAD(aad);
    decipher.setAuthTag(tag);
    // update() hands out unauthenticated bytes; they are returned only once final() has checked the tag.
    const head = decipher.update(body);
    const tail = decipher.final();
    return Buffer.concat([head, tail]);
  } catch {
    throw new VaultDecryptError();
  }
}

/** Opens the sealed form produced by `seal`. */
export function open(key: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer {
  if (sealed.length < NONCE_BYTES + TAG_BYTES) throw new VaultDecryptError();
  const view = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.length);
  return openParts(
    key,
    view.subarray(0, NONCE_BYTES),
    view.subarray(NONCE_BYTES, view.length - TAG_BYTES),
    view.subarray(view.length - TAG_BYTES),
    aad,
  );
}
