import { sql } from 'kysely';
import type { KeyListQuery, KeyRecord } from '../store.js';
import type { SqlDialect } from './dialect.js';
import { boundText, KEY_COLUMNS, type KeyRow, keyFromRow, LIVE_KEYS } from './key-rows.js';
import { containsPattern, type Executor, startsWithPattern } from './shared.js';

/** A page's key row before its limits, permissions and roles are attached. */
type PageKeyRow = Omit<KeyRow, 'ratelimits' | 'identity_ratelimits' | 'permissions' | 'roles' | 'role_permissions'>;

/** One limit, permission or role of one of the page's keys (or of their identities), as the set query returns it. */
interface RelatedRow {
  kind: 'ratelimit' | 'identity_ratelimit' | 'permission' | 'role' | 'role_permission';
  /** The key's id; for an identity_ratelimit, the identity's. */
  owner: string;
  /** A limit's or role's name, or a permission's slug. */
  value: string;
  id: string | null;
  limit: number | null;
  duration: number | null;
  auto_apply: number | null;
}

/** Where a permission, role or role permission row goes among a key's related lists. */
const STRING_LISTS = { permission: 'permissions', role: 'roles', role_permission: 'role_permissions' } as const;

interface Related {
  ratelimits: object[];
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
  if (q.cursor !== undefined) filters.push(sql`k.id > ${boundText(q.cursor)}`);
  const { rows: keys } = await sql<PageKeyRow>`SELECT ${sql.raw(KEY_COLUMNS)} ${sql.raw(LIVE_KEYS)} AND ${sql.join(filters, sql` AND `)}
    ORDER BY k.id LIMIT ${q.limit}`.execute(db);
  if (keys.length === 0) return [];

  const keyIds = keys.map((k) => k.id);
  const identityIds = [...new Set(keys.flatMap((k) => (k.identity_id === null ? [] : [k.identity_id])))];
  const inKeys = (column: string) => dialect.oneOf(column, keyIds);
  // The ratelimits branch first: it gives the columns their types, which the NULLs of the others take (PostgreSQL).
  const { rows: related } = await sql<RelatedRow>`
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
      WHERE ${inKeys('kr.key_id')}`.execute(db);

  const byKey = new Map<string, Related>();
  const identityLimits = new Map<string, object[]>();
  const relatedOf = (keyId: string): Related => {
    const found = byKey.get(keyId);
    if (found) return found;
    const fresh: Related = { ratelimits: [], permissions: [], roles: [], role_permissions: [] };
    byKey.set(keyId, fresh);
    return fresh;
  };
  for (const row of related) {
    // The shape the verify lookup's JSON has (shared.ts, ratelimitJson), which ratelimitsFrom reads.
    const limit = () => ({ id: row.id, name: row.value, limit: row.limit, duration: row.duration, auto_apply: row.auto_apply });
    if (row.kind === 'ratelimit') relatedOf(row.owner).ratelimits.push(limit());
    else if (row.kind === 'identity_ratelimit') {
      const list = identityLimits.get(row.owner);
      if (list) list.push(limit());
      else identityLimits.set(row.owner, [limit()]);
    } else relatedOf(row.owner)[STRING_LISTS[row.kind]].push(row.value);
  }
  return keys.map((key) => {
    const own = byKey.get(key.id);
    return keyFromRow({
      ...key,
      ratelimits: own?.ratelimits ?? null,
      identity_ratelimits: key.identity_id === null ? null : (identityLimits.get(key.identity_id) ?? null),
      permissions: own?.permissions ?? null,
      roles: own?.roles ?? null,
      role_permissions: own?.role_permissions ?? null,
    });
  });
}
