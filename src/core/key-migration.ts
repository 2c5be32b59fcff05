import { createHash } from 'node:crypto';
import { hashKey } from './key-format.js';

/**
 * Imported keys (keys.migrateKeys, `keyward import`): the hash schemes Keyward can take keys over from, and
 * what an imported key looks like until its first verification proves its plaintext (docs/unkey-compatibility.md, "keys.migrateKeys").
 *
 * - `sha256_base64`: standard base64 of SHA-256 over the whole key: Keyward's (and Unkey's) own scheme, so
 *   such keys verify at once, without a migrationId.
 * - `sha256_hex`: lowercase hex of SHA-256 over the whole key.
 * - `prefixed_api_key` (github.com/seamapi/prefixed-api-key, keys `<prefix>_<shortToken>_<longToken>`): hex of
 *   SHA-256 over the long token alone, the part after the last `_`, as upstream.
 *
 * The last two are re-hashed to Keyward's scheme the first time the key verifies with its migrationId.
 */
export const MIGRATION_ALGORITHMS = ['sha256_base64', 'sha256_hex', 'prefixed_api_key'] as const;

export type MigrationAlgorithm = (typeof MIGRATION_ALGORITHMS)[number];

export const isMigrationAlgorithm = (value: string): value is MigrationAlgorithm =>
  (MIGRATION_ALGORITHMS as readonly string[]).includes(value);

/**
 * The `start` of an imported key until its first successful verification: the plaintext is unknown until
 * then. Clearly not a real start (which holds only letters, digits and `_`), and within the 1-50 characters
 * clients require.
 */
export const MIGRATED_KEY_START = '(migrated)';

const sha256Hex = (text: string): string => createHash('sha256').update(text).digest('hex');

/**
 * The hash `plaintext` would have been stored under by `algorithm`; undefined when the key cannot be one of
 * its keys (a prefixed-api-key with an empty long token).
 */
export function legacyHash(algorithm: MigrationAlgorithm, plaintext: string): string | undefined {
  switch (algorithm) {
    case 'sha256_base64':
      return hashKey(plaintext);
    case 'sha256_hex':
      return sha256Hex(plaintext);
    case 'prefixed_api_key': {
      const longToken = plaintext.slice(plaintext.lastIndexOf('_') + 1);
      return longToken === '' ? undefined : sha256Hex(longToken);
    }
  }
}

const BASE64_SHA256 = /^[A-Za-z0-9+/]{43}=$/;
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

/**
 * An imported hash in the form it is stored and looked up in, or why it cannot be a hash of `algorithm`:
 * standard base64 of 32 bytes (canonical, padded), or 64 hex digits (stored lowercase, as computed).
 */
export function importedHash(algorithm: MigrationAlgorithm, hash: string): { hash: string } | { problem: string } {
  if (algorithm === 'sha256_base64') {
    if (BASE64_SHA256.test(hash) && Buffer.from(hash, 'base64').toString('base64') === hash) return { hash };
    const hint = HEX_SHA256.test(hash) ? ' (this looks like hex: is the migration sha256_hex or prefixed_api_key?)' : '';
    return { problem: `must be the standard base64 of a 32-byte SHA-256 digest (44 characters ending in '=')${hint}` };
  }
  if (HEX_SHA256.test(hash)) return { hash: hash.toLowerCase() };
  const hint = BASE64_SHA256.test(hash) ? ' (this looks like base64: is the migration sha256_base64?)' : '';
  return { problem: `must be the hex of a 32-byte SHA-256 digest (64 hex digits) for ${algorithm}${hint}` };
}

/** Longest prefix kept from an imported key, as createKey allows. */
const MAX_PREFIX = 16;
/** A key body shorter than this shows none of itself in `start`. */
const MIN_SHOWN_BODY = 16;

/**
 * The real `start` of an imported key, once its plaintext is known, in Keyward's form `<prefix>_<4 chars>`
 * (or the first 4 characters without a prefix), and that prefix. The prefix is what precedes the first `_`
 * when it is 1-16 letters and digits, as upstream reads it back from `start`; a rerolled key keeps it. At most
 * four characters past the prefix are shown, and none of a body shorter than 16 characters.
 */
export function migratedKeyStart(plaintext: string): { start: string; prefix: string | null } {
  const cut = plaintext.indexOf('_');
  const head = cut > 0 ? plaintext.slice(0, cut) : '';
  const prefix = head.length > 0 && head.length <= MAX_PREFIX && /^[A-Za-z0-9]+$/.test(head) ? head : null;
  const body = prefix === null ? plaintext : plaintext.slice(cut + 1);
  const shown = body.length >= MIN_SHOWN_BODY ? body.slice(0, 4) : '';
  const start = prefix === null ? shown : `${prefix}_${shown}`;
  return { start: start === '' ? '****' : start, prefix };
}
