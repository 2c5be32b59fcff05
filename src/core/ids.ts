import { randomBytes } from 'node:crypto';

/** Every id prefix Keyward issues. One table, so a new kind of object cannot invent its own format. */
export const ID_PREFIX = {
  workspace: 'ws',
  rootKey: 'rk',
  api: 'api',
  keyspace: 'ks',
  key: 'key',
  identity: 'id',
  permission: 'perm',
  role: 'role',
  ratelimit: 'rl',
  ratelimitNamespace: 'rlns',
  ratelimitOverride: 'rlor',
  auditLog: 'log',
  migration: 'mig',
  request: 'req',
} as const;

export type IdKind = keyof typeof ID_PREFIX;

// Lower-case Crockford base32: sorts the same under byte order and common locale collations,
// so "ORDER BY id" means creation order on SQLite and PostgreSQL alike.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

function encodeTime(ms: number): string {
  let out = '';
  let value = ms;
  for (let i = 0; i < 10; i++) {
    out = ALPHABET[value % 32] + out;
    value = Math.floor(value / 32);
  }
  return out;
}

function randomChars(count: number): string {
  const bytes = randomBytes(count);
  let out = '';
  for (let i = 0; i < count; i++) out += ALPHABET[bytes[i]! & 31];
  return out;
}

/** `<prefix>_<10 chars of ms time><12 random chars>`: time-ordered, 60 bits of randomness per ms. */
export function newId(kind: IdKind, nowMs: number = Date.now()): string {
  return `${ID_PREFIX[kind]}_${encodeTime(nowMs)}${randomChars(12)}`;
}

const REQUEST_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Upstream's request id format: `req_` plus random alphanumerics. */
export function newRequestId(): string {
  const bytes = randomBytes(12);
  let out = 'req_';
  // A request id is a correlation handle, not a secret: the slight modulo bias does not matter.
  for (let i = 0; i < 12; i++) out += REQUEST_ID_ALPHABET[bytes[i]! % 62];
  return out;
}
