import { sql } from 'kysely';
import type { KeyRecord, Meta } from '../store.js';
import { bool, num, parseJson, ratelimitsFrom, stringsFrom } from './shared.js';
import type { Tables } from './tables.js';

/** How a key is read from SQL: the columns and joins of a live key, and the record made of its row. */

/** A live key's own columns, its live identity's and its live API's IP whitelist (see LIVE_KEYS). */
export const KEY_COLUMNS = `k.id, k.workspace_id, k.api_id, k.hash, k.start, k.prefix, k.name, k.meta, k.enabled, k.expires,
      k.remaining, k.refill_amount, k.refill_day, k.last_refill_at, k.created_at, k.updated_at, k.last_used_at,
      k.one_time, k.consumed_at, k.sliding_expiration, k.credits_base,
      i.id AS identity_id, i.external_id AS identity_external_id, i.meta AS identity_meta,
      a.ip_whitelist AS api_ip_whitelist`;

/**
 * The names KEY_COLUMNS gives its columns, in its order: `AS` names, else the column's own name. A subquery selecting
 * KEY_COLUMNS has these columns (key-list.ts builds each page row as a JSON array of them).
 */
export const KEY_COLUMN_NAMES: readonly string[] = KEY_COLUMNS.split(',').map((column) => {
  const [expression, alias] = column.trim().split(/\s+AS\s+/);
  return alias ?? expression!.slice(expression!.indexOf('.') + 1);
});

/** Only live keys of live APIs, with their identity when it is live; ends in a WHERE clause to add conditions to. */
export const LIVE_KEYS = `FROM keys k
    JOIN apis a ON a.id = k.api_id AND a.deleted_at IS NULL
    LEFT JOIN identities i ON i.id = k.identity_id AND i.deleted_at IS NULL
    WHERE k.deleted_at IS NULL`;

/**
 * A text value bound into the key lookups as `CAST(? AS TEXT)` rather than a bare parameter. SQLite built with STAT4
 * (better-sqlite3 is) plans a statement again each time a bare parameter compared with an indexed column that has
 * samples (after ANALYZE) is bound to a new value; for the verify lookup (keys.ts) that was about 90 us of CPU per cache miss
 * against 10 us to run it (bench/RESULTS.md, "Round 3"). A cast hides the value from the planner, which then plans
 * the statement once, with the same index (key-lookup-statistics.test.ts, key-list.test.ts). On PostgreSQL it is the same text comparison.
 */
export const boundText = (value: string) => sql`CAST(${value} AS TEXT)`;

/** A key's own columns, its live identity's and its live API's IP whitelist: KEY_COLUMNS by name. */
export type KeyColumns = Omit<Tables['keys'], 'pending_migration_id' | 'deleted_at' | 'credits_alerted' | 'expiry_alerted_for'> & {
  identity_external_id: string | null;
  identity_meta: string | null;
  api_ip_whitelist: string | null;
};

/**
 * A key's limits, permissions and roles, and its identity's limits: JSON text as the verify SELECT aggregates them
 * (keys.ts), or the arrays that text encodes (key-list.ts assembles them itself).
 */
export interface KeyRelated {
  ratelimits: unknown;
  identity_ratelimits: unknown;
  permissions: unknown;
  roles: unknown;
  role_permissions: unknown;
}

/** A key's row as the verify SELECT returns it: its columns and what it joins to them. */
export type KeyRow = KeyColumns & KeyRelated;

/** KEY_COLUMNS read as an array (dialect.ts, readRowsAsArrays): the values in KEY_COLUMNS's order. */
export type KeyColumnValues = [
  id: KeyColumns['id'],
  workspace_id: KeyColumns['workspace_id'],
  api_id: KeyColumns['api_id'],
  hash: KeyColumns['hash'],
  start: KeyColumns['start'],
  prefix: KeyColumns['prefix'],
  name: KeyColumns['name'],
  meta: KeyColumns['meta'],
  enabled: KeyColumns['enabled'],
  expires: KeyColumns['expires'],
  remaining: KeyColumns['remaining'],
  refill_amount: KeyColumns['refill_amount'],
  refill_day: KeyColumns['refill_day'],
  last_refill_at: KeyColumns['last_refill_at'],
  created_at: KeyColumns['created_at'],
  updated_at: KeyColumns['updated_at'],
  last_used_at: KeyColumns['last_used_at'],
  one_time: KeyColumns['one_time'],
  consumed_at: KeyColumns['consumed_at'],
  sliding_expiration: KeyColumns['sliding_expiration'],
  credits_base: KeyColumns['credits_base'],
  identity_id: KeyColumns['identity_id'],
  identity_external_id: KeyColumns['identity_external_id'],
  identity_meta: KeyColumns['identity_meta'],
  api_ip_whitelist: KeyColumns['api_ip_whitelist'],
];

/** The columns of a KEY_COLUMNS row read as an array, by name. */
export function keyColumnsFrom(values: KeyColumnValues): KeyColumns {
  const [
    id,
    workspace_id,
    api_id,
    hash,
    start,
    prefix,
    name,
    meta,
    enabled,
    expires,
    remaining,
    refill_amount,
    refill_day,
    last_refill_at,
    created_at,
    updated_at,
    last_used_at,
    one_time,
    consumed_at,
    sliding_expiration,
    credits_base,
    identity_id,
    identity_external_id,
    identity_meta,
    api_ip_whitelist,
  ] = values;
  return {
    id,
    workspace_id,
    api_id,
    hash,
    start,
    prefix,
    name,
    meta,
    enabled,
    expires,
    remaining,
    refill_amount,
    refill_day,
    last_refill_at,
    created_at,
    updated_at,
    last_used_at,
    one_time,
    consumed_at,
    sliding_expiration,
    credits_base,
    identity_id,
    identity_external_id,
    identity_meta,
    api_ip_whitelist,
  };
}

/**
 * One string per distinct workspace id, API id and key prefix: every row read brings its own copy, and a node caches
 * up to KEYWARD_CACHE_SIZE key records (100,000 by default), which otherwise held 100,000 copies of the same few ids.
 * Bounded, so an installation with more distinct values than that only stops sharing the newer ones.
 */
const shared = new Map<string, string>();
const MAX_SHARED = 10_000;

function sharedCopy<T extends string | null>(value: T): T {
  if (value === null) return value;
  const known = shared.get(value);
  if (known !== undefined) return known as T;
  if (shared.size < MAX_SHARED) shared.set(value, value);
  return value;
}

/** The record of a key's columns and of what they relate to (for the verify SELECT's row, both are the row). */
export function keyFromRow(row: KeyColumns, related: KeyRelated): KeyRecord {
  return {
    id: row.id,
    workspaceId: sharedCopy(row.workspace_id),
    apiId: sharedCopy(row.api_id),
    hash: row.hash,
    start: row.start,
    prefix: sharedCopy(row.prefix),
    name: row.name,
    meta: parseJson<Meta>(row.meta),
    enabled: bool(row.enabled),
    expires: num(row.expires),
    remaining: num(row.remaining),
    refill: row.refill_amount === null ? null : { amount: Number(row.refill_amount), day: num(row.refill_day) },
    lastRefillAt: num(row.last_refill_at),
    createdAt: Number(row.created_at),
    updatedAt: num(row.updated_at),
    lastUsedAt: num(row.last_used_at),
    identity:
      row.identity_id === null
        ? null
        : {
            id: row.identity_id,
            externalId: row.identity_external_id!,
            meta: parseJson<Meta>(row.identity_meta),
            ratelimits: ratelimitsFrom(related.identity_ratelimits),
          },
    permissions: stringsFrom(related.permissions),
    roles: stringsFrom(related.roles),
    rolePermissions: stringsFrom(related.role_permissions),
    ratelimits: ratelimitsFrom(related.ratelimits),
    apiIpWhitelist: parseJson<string[]>(row.api_ip_whitelist),
    oneTime: bool(row.one_time),
    consumedAt: num(row.consumed_at),
    slidingExpiration: num(row.sliding_expiration),
    // What credit alerts measure use against (docs/decisions/0027): the refill amount, else the credits given.
    creditsBase: row.refill_amount === null ? num(row.credits_base) : Number(row.refill_amount),
  };
}
