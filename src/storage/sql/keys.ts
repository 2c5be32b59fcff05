import { type RawBuilder, sql } from 'kysely';
import type { EncryptedKeyRecord, KeyListQuery, KeyOps, KeyPatch, KeyRecord, Meta, NewKeyRow, NewRatelimit } from '../store.js';
import type { SqlDialect } from './dialect.js';
import { replaceRatelimits } from './ratelimits.js';
import { ensurePermissions } from './rbac.js';
import {
  bool,
  containsPattern,
  num,
  parseJson,
  ratelimitJson,
  ratelimitsFrom,
  startsWithPattern,
  stringsFrom,
  toJson,
  type Executor,
} from './shared.js';
import type { Tables } from './tables.js';

/**
 * One statement that loads a key with its identity, limits, permissions and roles, so a cache miss on
 * the verify path costs one round trip. Only live keys of live APIs are returned.
 */
function keySelectSql(d: SqlDialect): string {
  const rl = ratelimitJson(d);
  return `SELECT k.id, k.workspace_id, k.api_id, k.hash, k.start, k.prefix, k.name, k.meta, k.enabled, k.expires,
      k.remaining, k.refill_amount, k.refill_day, k.last_refill_at, k.created_at, k.updated_at, k.last_used_at,
      k.one_time, k.consumed_at, k.sliding_expiration, k.credits_base,
      i.id AS identity_id, i.external_id AS identity_external_id, i.meta AS identity_meta,
      (SELECT ${d.jsonArrayAgg(rl)} FROM ratelimits r WHERE r.key_id = k.id) AS ratelimits,
      (SELECT ${d.jsonArrayAgg(rl)} FROM ratelimits r WHERE r.identity_id = i.id) AS identity_ratelimits,
      (SELECT ${d.jsonArrayAgg('p.slug')} FROM key_permissions kp JOIN permissions p ON p.id = kp.permission_id
        WHERE kp.key_id = k.id) AS permissions,
      (SELECT ${d.jsonArrayAgg('ro.name')} FROM key_roles kr JOIN roles ro ON ro.id = kr.role_id
        WHERE kr.key_id = k.id) AS roles,
      (SELECT ${d.jsonArrayAgg('p.slug')} FROM key_roles kr JOIN role_permissions rp ON rp.role_id = kr.role_id
        JOIN permissions p ON p.id = rp.permission_id WHERE kr.key_id = k.id) AS role_permissions,
      a.ip_whitelist AS api_ip_whitelist
    FROM keys k
    JOIN apis a ON a.id = k.api_id AND a.deleted_at IS NULL
    LEFT JOIN identities i ON i.id = k.identity_id AND i.deleted_at IS NULL
    WHERE k.deleted_at IS NULL`;
}

/**
 * A text value bound into the key lookups as `CAST(? AS TEXT)` rather than a bare parameter. SQLite built with STAT4
 * (better-sqlite3 is) plans a statement again each time a bare parameter compared with an indexed column that has
 * samples (after ANALYZE) is bound to a new value; for the lookup above that is about 90 us of CPU per cache miss
 * against 10 us to run it (bench/RESULTS.md, "Round 3"). A cast hides the value from the planner, which then plans
 * the statement once, with the same index (key-lookup-statistics.test.ts). On PostgreSQL it is the same text comparison.
 */
const boundText = (value: string) => sql`CAST(${value} AS TEXT)`;

/** A key's own columns, with what the verify SELECT joins to them (its identity, limits, permissions, roles, API). */
type KeyRow = Omit<Tables['keys'], 'pending_migration_id' | 'deleted_at' | 'credits_alerted' | 'expiry_alerted_for'> & {
  identity_external_id: string | null;
  identity_meta: string | null;
  ratelimits: unknown;
  identity_ratelimits: unknown;
  permissions: unknown;
  roles: unknown;
  role_permissions: unknown;
  api_ip_whitelist: string | null;
};

function keyFromRow(row: KeyRow): KeyRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    apiId: row.api_id,
    hash: row.hash,
    start: row.start,
    prefix: row.prefix,
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
            ratelimits: ratelimitsFrom(row.identity_ratelimits),
          },
    permissions: stringsFrom(row.permissions),
    roles: stringsFrom(row.roles),
    rolePermissions: stringsFrom(row.role_permissions),
    ratelimits: ratelimitsFrom(row.ratelimits),
    apiIpWhitelist: parseJson<string[]>(row.api_ip_whitelist),
    oneTime: bool(row.one_time),
    consumedAt: num(row.consumed_at),
    slidingExpiration: num(row.sliding_expiration),
    // What credit alerts measure use against (docs/decisions/0027): the refill amount, else the credits given.
    creditsBase: row.refill_amount === null ? num(row.credits_base) : Number(row.refill_amount),
  };
}

/** The row of a new key; an imported one also names the migration its first verification completes. */
export function newKeyValues(row: NewKeyRow, pendingMigrationId: string | null): Tables['keys'] {
  return {
    id: row.id,
    workspace_id: row.workspaceId,
    api_id: row.apiId,
    hash: row.hash,
    start: row.start,
    prefix: row.prefix,
    name: row.name,
    identity_id: row.identityId,
    meta: toJson(row.meta),
    enabled: row.enabled ? 1 : 0,
    expires: row.expires,
    remaining: row.remaining,
    refill_amount: row.refill?.amount ?? null,
    refill_day: row.refill?.day ?? null,
    last_refill_at: row.refill ? row.createdAt : null,
    last_used_at: null,
    pending_migration_id: pendingMigrationId,
    created_at: row.createdAt,
    updated_at: null,
    deleted_at: null,
    one_time: row.oneTime ? 1 : 0,
    consumed_at: null,
    sliding_expiration: row.slidingExpiration ?? null,
    credits_base: row.remaining,
    credits_alerted: 0,
    expiry_alerted_for: null,
  };
}

export function keySql(db: Executor, dialect: SqlDialect): KeyOps {
  const keySelect = keySelectSql(dialect);
  /** A key lookup of the verify path: its text kept prepared (dialect.ts, keepPrepared), its one row read. */
  const findOne = async (query: RawBuilder<KeyRow>): Promise<KeyRecord | undefined> => {
    const compiled = query.compile(db);
    dialect.keepPrepared(compiled.sql);
    const { rows } = await db.executeQuery(compiled);
    return rows[0] ? keyFromRow(rows[0]) : undefined;
  };
  const ops: KeyOps = {
    async insertKey(row: NewKeyRow): Promise<void> {
      await db.insertInto('keys').values(newKeyValues(row, null)).execute();
    },

    async findKey(workspaceId: string, keyId: string): Promise<KeyRecord | undefined> {
      return findOne(sql<KeyRow>`${sql.raw(keySelect)} AND k.id = ${boundText(keyId)} AND k.workspace_id = ${boundText(workspaceId)}`);
    },

    async findKeyByHash(workspaceId: string, hash: string): Promise<KeyRecord | undefined> {
      // Both in the WHERE clause (the keys_workspace_hash index): another workspace's key with this hash is never read.
      return findOne(sql<KeyRow>`${sql.raw(keySelect)} AND k.workspace_id = ${boundText(workspaceId)} AND k.hash = ${boundText(hash)}`);
    },

    async listKeys(q: KeyListQuery): Promise<KeyRecord[]> {
      const filters = [sql`k.workspace_id = ${q.workspaceId}`, sql`k.api_id = ${q.apiId}`];
      if (q.identityId !== undefined) filters.push(sql`k.identity_id = ${q.identityId}`);
      if (q.search !== undefined) {
        // The start from its beginning (a prefix typed as shown in the list), the name anywhere; lower() on both sides as
        // in anyContains (shared.ts), since PostgreSQL's LIKE is case-sensitive and SQLite's is not.
        filters.push(
          sql`(lower(k.name) LIKE lower(${containsPattern(q.search)}) ESCAPE '\\' OR lower(k.start) LIKE lower(${startsWithPattern(q.search)}) ESCAPE '\\')`,
        );
      }
      if (q.cursor !== undefined) filters.push(sql`k.id > ${q.cursor}`);
      const { rows } = await sql<KeyRow>`${sql.raw(keySelect)} AND ${sql.join(filters, sql` AND `)}
        ORDER BY k.id LIMIT ${q.limit}`.execute(db);
      return rows.map(keyFromRow);
    },

    async listKeyHashes(workspaceId: string, after: string | null, limit: number): Promise<string[]> {
      // A range of the keys_workspace_hash index from the last hash of the previous page: each page costs its own rows.
      let query = db
        .selectFrom('keys')
        .select('hash')
        .where('workspace_id', '=', workspaceId)
        .where('deleted_at', 'is', null)
        .orderBy('hash')
        .limit(limit);
      if (after !== null) query = query.where('hash', '>', after);
      return (await query.execute()).map((row) => row.hash);
    },

    async updateKey(keyId: string, patch: KeyPatch, now: number): Promise<void> {
      const values: Partial<Tables['keys']> = { updated_at: now };
      if (patch.name !== undefined) values.name = patch.name;
      if (patch.identityId !== undefined) values.identity_id = patch.identityId;
      if (patch.meta !== undefined) values.meta = toJson(patch.meta);
      if (patch.enabled !== undefined) values.enabled = patch.enabled ? 1 : 0;
      if (patch.expires !== undefined) values.expires = patch.expires;
      if (patch.remaining !== undefined) {
        // Credits given again: alerts measure use against them, from no threshold alerted (docs/decisions/0027).
        values.remaining = patch.remaining;
        values.credits_base = patch.remaining;
        values.credits_alerted = 0;
      }
      if (patch.slidingExpiration !== undefined) values.sliding_expiration = patch.slidingExpiration;
      if (patch.refill !== undefined) {
        values.refill_amount = patch.refill?.amount ?? null;
        values.refill_day = patch.refill?.day ?? null;
        values.last_refill_at = patch.refill ? now : null;
        values.credits_alerted = 0;
      }
      await db.updateTable('keys').set(values).where('id', '=', keyId).execute();
    },

    async replaceKeyRatelimits(workspaceId: string, keyId: string, limits: NewRatelimit[], now: number): Promise<void> {
      await replaceRatelimits(db, workspaceId, 'key_id', keyId, limits, now);
    },

    async setKeyPermissions(workspaceId: string, keyId: string, slugs: string[], now: number): Promise<void> {
      await db.deleteFrom('key_permissions').where('key_id', '=', keyId).execute();
      await ops.addKeyPermissions(workspaceId, keyId, slugs, now);
    },

    async addKeyPermissions(workspaceId: string, keyId: string, slugs: string[], now: number): Promise<void> {
      const permissions = await ensurePermissions(db, workspaceId, slugs, now);
      if (permissions.length === 0) return;
      // DO NOTHING: a link the key already has (or a concurrent add just made) is not an error.
      await db
        .insertInto('key_permissions')
        .values(permissions.map((p) => ({ key_id: keyId, permission_id: p.id, workspace_id: workspaceId, created_at: now })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    },

    async removeKeyPermissions(keyId: string, permissionIds: string[]): Promise<void> {
      if (permissionIds.length === 0) return;
      await db.deleteFrom('key_permissions').where('key_id', '=', keyId).where('permission_id', 'in', permissionIds).execute();
    },

    async addKeyRoles(workspaceId: string, keyId: string, roleIds: string[], now: number): Promise<void> {
      if (roleIds.length === 0) return;
      await db
        .insertInto('key_roles')
        .values([...new Set(roleIds)].map((id) => ({ key_id: keyId, role_id: id, workspace_id: workspaceId, created_at: now })))
        .onConflict((oc) => oc.doNothing())
        .execute();
    },

    async removeKeyRoles(keyId: string, roleIds: string[]): Promise<void> {
      if (roleIds.length === 0) return;
      await db.deleteFrom('key_roles').where('key_id', '=', keyId).where('role_id', 'in', roleIds).execute();
    },

    async setKeyRoles(workspaceId: string, keyId: string, roleNames: string[], now: number): Promise<string[]> {
      const unique = [...new Set(roleNames)];
      const roles =
        unique.length === 0
          ? []
          : await db
              .selectFrom('roles')
              .select(['id', 'name'])
              .where('workspace_id', '=', workspaceId)
              .where('name', 'in', unique)
              .execute();
      const found = new Set(roles.map((r) => r.name));
      const missing = unique.filter((name) => !found.has(name));
      if (missing.length > 0) return missing;
      await db.deleteFrom('key_roles').where('key_id', '=', keyId).execute();
      if (roles.length > 0) {
        await db
          .insertInto('key_roles')
          .values(roles.map((r) => ({ key_id: keyId, role_id: r.id, workspace_id: workspaceId, created_at: now })))
          .execute();
      }
      return [];
    },

    async softDeleteKey(keyId: string, now: number): Promise<void> {
      await db.updateTable('keys').set({ deleted_at: now, updated_at: now }).where('id', '=', keyId).execute();
    },

    async purgeKey(keyId: string): Promise<void> {
      await db.deleteFrom('ratelimits').where('key_id', '=', keyId).execute();
      await db.deleteFrom('key_permissions').where('key_id', '=', keyId).execute();
      await db.deleteFrom('key_roles').where('key_id', '=', keyId).execute();
      await db.deleteFrom('encrypted_keys').where('key_id', '=', keyId).execute();
      await db.deleteFrom('keys').where('id', '=', keyId).execute();
    },

    async insertEncryptedKey(row: EncryptedKeyRecord): Promise<void> {
      await db
        .insertInto('encrypted_keys')
        .values({
          key_id: row.keyId,
          workspace_id: row.workspaceId,
          ciphertext: row.ciphertext,
          encryption_key_id: row.encryptionKeyId,
          created_at: row.createdAt,
        })
        .execute();
    },

    async findEncryptedKeys(workspaceId: string, keyIds: readonly string[]): Promise<EncryptedKeyRecord[]> {
      if (keyIds.length === 0) return [];
      // Joined to the live key and API: a deleted key (kept for its audit trail) must not be decrypted.
      const rows = await db
        .selectFrom('encrypted_keys as e')
        .innerJoin('keys as k', 'k.id', 'e.key_id')
        .innerJoin('apis as a', 'a.id', 'k.api_id')
        .select(['e.key_id', 'e.workspace_id', 'e.ciphertext', 'e.encryption_key_id', 'e.created_at'])
        .where('e.workspace_id', '=', workspaceId)
        .where('e.key_id', 'in', keyIds)
        .where('k.workspace_id', '=', workspaceId)
        .where('k.deleted_at', 'is', null)
        .where('a.deleted_at', 'is', null)
        .execute();
      return rows.map((row) => ({
        keyId: row.key_id,
        workspaceId: row.workspace_id,
        ciphertext: row.ciphertext,
        encryptionKeyId: row.encryption_key_id,
        createdAt: Number(row.created_at),
      }));
    },
  };
  return ops;
}
