/**
 * The few ASN.1 DER encodings an X.509 certificate needs (ITU-T X.690), for src/tls/self-signed.ts: Node can make and
 * use keys but has no API that writes a certificate, and a package for these few bytes would be a dependency to keep.
 */

/** Tag, length (short or long form), contents. */
export function tlv(tag: number, contents: Buffer): Buffer {
  const length = contents.length;
  let header: Buffer;
  if (length < 0x80) header = Buffer.from([tag, length]);
  else {
    const bytes: number[] = [];
    for (let rest = length; rest > 0; rest = Math.floor(rest / 256)) bytes.unshift(rest % 256);
    header = Buffer.from([tag, 0x80 | bytes.length, ...bytes]);
  }
  return Buffer.concat([header, contents]);
}

export const sequence = (...items: Buffer[]) => tlv(0x30, Buffer.concat(items));
export const set = (...items: Buffer[]) => tlv(0x31, Buffer.concat(items));
/** A context-specific constructed tag ([n] EXPLICIT). */
export const explicit = (n: number, inner: Buffer) => tlv(0xa0 | n, inner);
/** A context-specific primitive tag ([n] IMPLICIT over a primitive type). */
export const implicit = (n: number, contents: Buffer) => tlv(0x80 | n, contents);
export const octetString = (contents: Buffer) => tlv(0x04, contents);
export const utf8String = (text: string) => tlv(0x0c, Buffer.from(text, 'utf8'));
export const boolean = (value: boolean) => tlv(0x01, Buffer.from([value ? 0xff : 0x00]));

/** A non-negative integer from its big-endian bytes: leading zeros dropped, one added when the top bit is set. */
export function unsignedInteger(bytes: Buffer): Buffer {
  let start = 0;
  while (start < bytes.length - 1 && bytes[start] === 0) start++;
  const trimmed = bytes.subarray(start);
  return tlv(0x02, (trimmed[0]! & 0x80) !== 0 ? Buffer.concat([Buffer.from([0]), trimmed]) : trimmed);
}

export function objectIdentifier(dotted: string): Buffer {
  const [first = 0, second = 0, ...rest] = dotted.split('.').map(Number);
  const bytes = [first * 40 + second];
  for (const arc of rest) {
    const groups = [arc & 0x7f];
    for (let value = Math.floor(arc / 128); value > 0; value = Math.floor(value / 128)) groups.unshift(0x80 | (value & 0x7f));
    bytes.push(...groups);
  }
  return tlv(0x06, Buffer.from(bytes));
}

/** A BIT STRING of whole bytes, or of the first `bits` bits of `bytes` (named-bit lists such as KeyUsage). */
export function bitString(bytes: Buffer, bits = bytes.length * 8): Buffer {
  return tlv(0x03, Buffer.concat([Buffer.from([bytes.length * 8 - bits]), bytes]));
}

/** UTCTime (years 1950-2049) or GeneralizedTime after, as RFC 5280 4.1.2.5 requires; seconds, UTC. */
export function time(date: Date): Buffer {
  const iso = date.toISOString().replace(/[-:T]/g, '').slice(0, 14); // YYYYMMDDHHMMSS
  const year = date.getUTCFullYear();
  return year < 2050 ? tlv(0x17, Buffer.from(`${iso.slice(2)}Z`, 'ascii')) : tlv(0x18, Buffer.from(`${iso}Z`, 'ascii'));
}
