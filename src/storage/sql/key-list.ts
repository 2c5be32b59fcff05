import { sql } from 'kysely';
import type { KeyListQuery, KeyRecord, RatelimitRecord } from '../store.js';
import type { SqlDialect } from './dialect.js';
import { boundText, KEY_COLUMN_NAMES, KEY_COLUMNS, type KeyColumnValues, keyColumnsFrom, keyFromRow, LIVE_KEYS } from './key-rows.js';
import { containsPattern, executeForArrays, type Executor, startsWithPattern } from './shared.js';

/**
 * One limit, permission or role of one of the page's keys (or of their identities), as the set query returns it: kind;
 * the key's id (for an identity_ratelimit, the identity's); a limit's or role's name, or a permission's slug; then a
 * limit's id, limit, duration and auto_apply (NULL for the others).
 */
type RelatedValues = [
  kind: 'ratelimit' | 'identity_ratelimit' | 'permission' | 'role' | 'role_permission',
  owner: string,
  value: string,
  id: string | null,
  limit: number | null,
  duration: number | null,
  auto_apply: number | boolean | null,
];

/** Where a permission, role or role permission row goes among a key's related lists. */
const STRING_LISTS = { permission: 'permissions', role: 'roles', role_permission: 'role_permissions' } as const;

/** A limit as the verify lookup's JSON has it (shared.ts, ratelimitJson), which ratelimitsFrom reads. */
type LimitJson = Omit<RatelimitRecord, 'autoApply'> & { auto_apply: number | boolean | null };

interface Related {
  ratelimits: LimitJson[];
  permissions: string[];
  roles: string[];
  role_permissions: string[];
}

/**
 * One page of an API's live keys in id order, each with what keys.getKey shows of it. Two statements whatever the
 * page's size: the page's keys, then every limit, permission and role of those keys (and the limits of their
 * identities) in one set query over the page's ids. The verify lookup's correlated subqueries (keys.ts) would run
 * five subqueries per key, about 10 us of SQLite each (bench/RESULTS.md, "Round 3"). The same normalising
 * (keyFromRow: sorted, without duplicates) makes each record equal to what findKey returns.
 */
export async function listKeyPage(db: Executor, dialect: SqlDialect, q: KeyListQuery): Promise<KeyRecord[]> {
  // Values compared with indexed key columns are bound as CAST(? AS TEXT), so an analyzed SQLite store plans the
  // statement once (key-rows.ts, boundText); the plan walks keys_api (api_id, id) from the cursor, in id order.
  const filters = [sql`k.workspace_id = ${boundText(q.workspaceId)}`, sql`k.api_id = ${boundText(q.apiId)}`];
  if (q.identityId !== undefined) filters.push(sql`k.identity_id = ${boundText(q.identityId)}`);
  if (q.search !== undefined) {
    // The start from its beginning (a prefix typed as shown in the list), the name anywhere; lower() on both sides as
    // in anyContains (shared.ts), since PostgreSQL's LIKE is case-sensitive and SQLite's is not.
    filters.push(
      sql`(lower(k.name) LIKE lower(${containsPattern(q.search)}) ESCAPE '\\' OR lower(k.start) LIKE lower(${startsWithPattern(q.search)}) ESCAPE '\\')`,
    );
  }
  // On SQLite the first page has a cursor too: the empty text, below every id. Without `k.id > ?`, an analyzed store
  // whose API holds most of its keys had the first page planned as a scan of every key, each joined, then sorted for
  // 100 of them: 270 against 122 us at 1,000 keys, 855 against 132 at 5,000, 2,894 against 146 at 20,000
  // (docs/decisions/0041). With it every page walks keys_api (api_id, id) from the cursor, and the texts are four, not eight.
  const cursor = q.cursor ?? (dialect.engine === 'sqlite' ? '' : undefined);
  if (cursor !== undefined) filters.push(sql`k.id > ${boundText(cursor)}`);
  // The page comes back as one JSON text, an array of one array of values per key in KEY_COLUMNS's order, built by the
  // database and parsed by JSON.parse: better-sqlite3 (or node-postgres) making a JavaScript value of each of the page's
  // 2,525 values one call at a time cost more (docs/decisions/0037; 0033 read them as arrays of values). The text is
  // one of eight (the optional filters; four on SQLite, always with a cursor), kept prepared: PostgreSQL plans it once per connection.
  const page = sql`SELECT ${sql.raw(KEY_COLUMNS)} ${sql.raw(LIVE_KEYS)} AND ${sql.join(filters, sql` AND `)} ORDER BY k.id LIMIT ${q.limit}`;
  const row = dialect.jsonArray(KEY_COLUMN_NAMES.map((name) => `page.${name}`));
  // PostgreSQL orders the aggregate itself (its collation is the ORDER BY's). SQLite's ORDER BY inside json_group_array
  // sorts the page's rows again, most of what the JSON saves; it aggregates them in the order the subquery
  // yields them, which inOrder checks rather than trusts.
  const ordered = dialect.engine === 'postgres' ? ' ORDER BY page.id' : '';
  const [[json] = [null]] = await executeForArrays<[unknown]>(
    db,
    dialect,
    sql`SELECT ${sql.raw(dialect.jsonArrayAgg(`${row}${ordered}`))} FROM (${page}) page`,
  );
  // SQLite gives the JSON as text; node-postgres parses a json column itself; PostgreSQL's json_agg of no rows is NULL.
  const values = (typeof json === 'string' ? JSON.parse(json) : (json ?? [])) as KeyColumnValues[];
  const keys = (dialect.engine === 'sqlite' ? inOrder(values) : values).map(keyColumnsFrom);
  if (keys.length === 0) return [];

  const keyIds = keys.map((k) => k.id);
  const identityIds = [...new Set(keys.flatMap((k) => (k.identity_id === null ? [] : [k.identity_id])))];
  // The ratelimits branch first: it gives the columns their types, which the NULLs of the others take (PostgreSQL).
  const related = await executeForArrays<RelatedValues>(
    db,
    dialect,
    dialect.engine === 'sqlite' ? sqliteRelated(keyIds, identityIds) : postgresRelated(dialect, keyIds, identityIds),
  );

  const byKey = new Map<string, Related>();
  const identityLimits = new Map<string, LimitJson[]>();
  const relatedOf = (keyId: string): Related => {
    const found = byKey.get(keyId);
    if (found) return found;
    const fresh: Related = { ratelimits: [], permissions: [], roles: [], role_permissions: [] };
    byKey.set(keyId, fresh);
    return fresh;
  };
  for (const [kind, owner, value, id, limit, duration, auto_apply] of related) {
    // The shape the verify lookup's JSON has (shared.ts, ratelimitJson), which ratelimitsFrom reads.
    const json = () => ({ id: id!, name: value, limit: limit!, duration: duration!, auto_apply });
    if (kind === 'ratelimit') relatedOf(owner).ratelimits.push(json());
    else if (kind === 'identity_ratelimit') {
      const list = identityLimits.get(owner);
      if (list) list.push(json());
      else identityLimits.set(owner, [json()]);
    } else relatedOf(owner)[STRING_LISTS[kind]].push(value);
  }
  const none: Related = { ratelimits: [], permissions: [], roles: [], role_permissions: [] };
  return keys.map((key) => {
    const { ratelimits, permissions, roles, role_permissions } = byKey.get(key.id) ?? none;
    const identity_ratelimits = key.identity_id === null ? [] : (identityLimits.get(key.identity_id) ?? []);
    return keyFromRow(key, { ratelimits, identity_ratelimits, permissions, roles, role_permissions });
  });
}

/**
 * SQLite's set query: each branch walks the page's ids (`json_each`, bound once) and looks each one up in its table's
 * index on key_id (identity_id), a CROSS JOIN keeping that order. `column IN (SELECT value FROM json_each(?))` made
 * SQLite parse the list once per branch and build a temporary index and Bloom filter of it before scanning: about
 * 310 us a page against 47 us this way on the bench's store (bench/RESULTS.md, "Session 12: listKeys, the whole
 * request").
 */
function sqliteRelated(keyIds: readonly string[], identityIds: readonly string[]) {
  const ids = JSON.stringify(keyIds);
  return sql`
    SELECT 'ratelimit' AS kind, r.key_id AS owner, r.name AS value, r.id AS id, r."limit" AS "limit", r.duration AS duration,
      r.auto_apply AS auto_apply
      FROM json_each(${ids}) page CROSS JOIN ratelimits r ON r.key_id = page.value
    UNION ALL SELECT 'identity_ratelimit', r.identity_id, r.name, r.id, r."limit", r.duration, r.auto_apply
      FROM json_each(${JSON.stringify(identityIds)}) page CROSS JOIN ratelimits r ON r.identity_id = page.value
    UNION ALL SELECT 'permission', kp.key_id, p.slug, NULL, NULL, NULL, NULL
      FROM json_each(${ids}) page CROSS JOIN key_permissions kp ON kp.key_id = page.value JOIN permissions p ON p.id = kp.permission_id
    UNION ALL SELECT 'role', kr.key_id, ro.name, NULL, NULL, NULL, NULL
      FROM json_each(${ids}) page CROSS JOIN key_roles kr ON kr.key_id = page.value JOIN roles ro ON ro.id = kr.role_id
    UNION ALL SELECT 'role_permission', kr.key_id, p.slug, NULL, NULL, NULL, NULL
      FROM json_each(${ids}) page CROSS JOIN key_roles kr ON kr.key_id = page.value
      JOIN role_permissions rp ON rp.role_id = kr.role_id JOIN permissions p ON p.id = rp.permission_id`;
}

/** PostgreSQL's set query: each branch's table filtered by `= ANY` of the page's ids (one text[] parameter). */
function postgresRelated(dialect: SqlDialect, keyIds: readonly string[], identityIds: readonly string[]) {
  const inKeys = (column: string) => dialect.oneOf(column, keyIds);
  return sql`
    SELECT 'ratelimit' AS kind, r.key_id AS owner, r.name AS value, r.id AS id, r."limit" AS "limit", r.duration AS duration,
      r.auto_apply AS auto_apply
      FROM ratelimits r WHERE ${inKeys('r.key_id')}
    UNION ALL SELECT 'identity_ratelimit', r.identity_id, r.name, r.id, r."limit", r.duration, r.auto_apply
      FROM ratelimits r WHERE ${dialect.oneOf('r.identity_id', identityIds)}
    UNION ALL SELECT 'permission', kp.key_id, p.slug, NULL, NULL, NULL, NULL
      FROM key_permissions kp JOIN permissions p ON p.id = kp.permission_id WHERE ${inKeys('kp.key_id')}
    UNION ALL SELECT 'role', kr.key_id, ro.name, NULL, NULL, NULL, NULL
      FROM key_roles kr JOIN roles ro ON ro.id = kr.role_id WHERE ${inKeys('kr.key_id')}
    UNION ALL SELECT 'role_permission', kr.key_id, p.slug, NULL, NULL, NULL, NULL
      FROM key_roles kr JOIN role_permissions rp ON rp.role_id = kr.role_id JOIN permissions p ON p.id = rp.permission_id
      WHERE ${inKeys('kr.key_id')}`;
}

/** Characters whose UTF-16 units do not order as their UTF-8 bytes do against every other character. */
const ABOVE_D7FF = /[\uD800-\uFFFF]/;

/** SQLite's BINARY order of two texts (their UTF-8 bytes); JavaScript's `<` (UTF-16 units) agrees below U+D800. */
function byBytes(a: string, b: string): number {
  if (ABOVE_D7FF.test(a) || ABOVE_D7FF.test(b)) return Buffer.compare(Buffer.from(a), Buffer.from(b));
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * The page's rows in id order as SQLite's ORDER BY k.id has them: as they came when each id is above the one before
 * (always, so far: a check of the order json_group_array saw, rather than trust in it), else sorted.
 */
export function inOrder(rows: KeyColumnValues[]): KeyColumnValues[] {
  for (let i = 1; i < rows.length; i++) {
    if (byBytes(rows[i - 1]![0], rows[i]![0]) >= 0) return [...rows].sort((a, b) => byBytes(a[0], b[0]));
  }
  return rows;
}
