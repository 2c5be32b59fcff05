import { randomBytes } from 'node:crypto';

/**
 * Checksummed keys (docs/decisions/0017-checksummed-key-format.md; README, "Key format"):
 *
 *   [<prefix>_]kw0<body><checksum>
 *
 * - `kw0`: the marker. `0` is not in the base58 alphabet, and a key of the older format is `[<prefix>_]<base58>`
 *   with no `_` in its base58 part, so the part after a generated base58 key's last `_` can never start with `kw0`:
 *   recognising the shape never mistakes a base58 key for a checksummed one.
 * - `<body>`: the random part, base62 (`0-9A-Za-z`), exactly `bodyWidth(byteLength)` characters, at least as many
 *   random bits as `byteLength` bytes.
 * - `<checksum>`: the CRC-32 (IEEE, as zlib) of the body's ASCII characters, in base62, 6 characters with leading `0`s.
 *
 * A checksum is not a secret (anyone can compute it): it lets a scanner recognise a key with almost no false positive
 * and lets verification refuse a mistyped or made-up key before any cache or store lookup.
 */

export const CHECKSUM_MARKER = 'kw0';
export const CHECKSUM_WIDTH = 6;
const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const MIN_BYTES = 16;
const MAX_BYTES = 255;

/** Base62 characters needed to carry `byteLength` random bytes: ceil(8n / log2 62). 16 bytes: 22. */
export function bodyWidth(byteLength: number): number {
  return Math.ceil((byteLength * 8) / Math.log2(62));
}

const MIN_TAIL = bodyWidth(MIN_BYTES) + CHECKSUM_WIDTH;
const MAX_TAIL = bodyWidth(MAX_BYTES) + CHECKSUM_WIDTH;

const CRC_TABLE = (() => {
  const table = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, zlib's) of the ASCII characters of `text` from `start` to `end`. */
export function crc32(text: string, start = 0, end = text.length): number {
  let crc = -1;
  for (let i = start; i < end; i++) crc = CRC_TABLE[(crc ^ text.charCodeAt(i)) & 0xff]! ^ (crc >>> 8);
  return (crc ^ -1) >>> 0;
}

/** `value` in base62, `width` characters, padded with leading `0`s. */
function base62Fixed(value: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/** The checksum characters of a body. */
export function checksumOf(body: string): string {
  return base62Fixed(crc32(body), CHECKSUM_WIDTH);
}

/** `width` uniform base62 characters from the CSPRNG (bytes >= 248 are dropped, so no character is likelier). */
function randomBase62(width: number): string {
  let out = '';
  while (out.length < width) {
    for (const byte of randomBytes(width * 2)) {
      if (byte < 248 && out.length < width) out += BASE62[byte % 62];
    }
  }
  return out;
}

/** A new checksummed key (without its prefix) carrying `byteLength` random bytes' worth of entropy. */
export function newChecksummedPart(byteLength: number): string {
  const body = randomBase62(bodyWidth(byteLength));
  return `${CHECKSUM_MARKER}${body}${checksumOf(body)}`;
}

/** 0-9, A-Z, a-z, without a table lookup. */
function isBase62(code: number): boolean {
  return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122);
}

function isPrefixChar(code: number): boolean {
  return isBase62(code) || code === 95; // '_'
}

/**
 * Whether `key` has the checksummed shape (`^(?:[A-Za-z0-9_]{1,16}_)?kw0[0-9A-Za-z]{28,349}$`) and its checksum
 * does not match its body: such a key was never issued by Keyward, so verification answers it as unknown without
 * a lookup. Any other string, a valid checksummed key or a key of another format, answers false. A few
 * comparisons and, for the shape, one CRC over at most 343 characters.
 */
export function failsChecksum(key: string): boolean {
  const tailStart = key.lastIndexOf('_') + 1;
  if (!key.startsWith(CHECKSUM_MARKER, tailStart)) return false;
  const bodyStart = tailStart + CHECKSUM_MARKER.length;
  const tail = key.length - bodyStart;
  if (tail < MIN_TAIL || tail > MAX_TAIL) return false;
  if (tailStart > 0) {
    const prefixLength = tailStart - 1;
    if (prefixLength < 1 || prefixLength > 16) return false;
    for (let i = 0; i < prefixLength; i++) if (!isPrefixChar(key.charCodeAt(i))) return false;
  }
  for (let i = bodyStart; i < key.length; i++) if (!isBase62(key.charCodeAt(i))) return false;
  const checksumStart = key.length - CHECKSUM_WIDTH;
  return base62Fixed(crc32(key, bodyStart, checksumStart), CHECKSUM_WIDTH) !== key.slice(checksumStart);
}
