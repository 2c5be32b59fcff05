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
  operator: 'op',
  session: 'ses',
  node: 'node',
  leak: 'leak',
  webhookEndpoint: 'whep',
  webhookMessage: 'msg',
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

const RANDOM_CHARS = 12;
const RANDOM_SPACE = 1n << BigInt(5 * RANDOM_CHARS);
let lastMs = -1;
let lastRandom = 0n;

function encodeRandom(value: bigint): string {
  let out = '';
  for (let i = 0; i < RANDOM_CHARS; i++) {
    out = ALPHABET[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/**
 * `<prefix>_<10 chars of ms time><12 chars (60 bits) random>`. Within one process ids are strictly
 * increasing: in the same millisecond (or if the clock steps back) the previous random part is
 * incremented instead of drawn anew, so "ORDER BY id" is creation order even for bursts.
 */
export function newId(kind: IdKind, nowMs: number = Date.now()): string {
  if (nowMs > lastMs) {
    lastMs = nowMs;
    lastRandom = BigInt(`0x${randomBytes(8).toString('hex')}`) % RANDOM_SPACE;
  } else {
    lastRandom = (lastRandom + 1n) % RANDOM_SPACE;
  }
  return `${ID_PREFIX[kind]}_${encodeTime(lastMs)}${encodeRandom(lastRandom)}`;
}

const REQUEST_ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

// Every request needs an id; one randomBytes call per request cost ~7% of a cached verification (profiled),
// so ids are cut from a pool refilled 4 KiB at a time.
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

/** Upstream's request id format: `req_` plus random alphanumerics. */
export function newRequestId(): string {
  if (poolOffset + 12 > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  let out = 'req_';
  // A request id is a correlation handle, not a secret: the slight modulo bias does not matter.
  for (let i = 0; i < 12; i++) out += REQUEST_ID_ALPHABET[pool[poolOffset + i]! % 62];
  poolOffset += 12;
  return out;
}
