import { type RawBuilder, sql } from 'kysely';
import type { EncryptedKeyRecord, KeyListQuery, KeyOps, KeyPatch, KeyRecord, NewKeyRow, NewRatelimit } from '../store.js';
import type { SqlDialect } from './dialect.js';
import { listKeyPage } from './key-list.js';
import { boundText, KEY_COLUMNS, type KeyRow, keyFromRow, LIVE_KEYS } from './key-rows.js';
import { replaceRatelimits } from './ratelimits.js';
import { ensurePermissions } from './rbac.js';
import { executeFixed, ratelimitJson, toJson, type Executor } from './shared.js';
import type { Tables } from './tables.js';

/**
 * One statement that loads a key with its identity, limits, permissions and roles, so a cache miss on
 * the verify path costs one round trip. Only live keys of live APIs are returned. A page of keys reads the same
 * things with set queries instead (key-list.ts).
 */
function keySelectSql(d: SqlDialect): string {
  const rl = ratelimitJson(d);
  return `SELECT ${KEY_COLUMNS},
      (SELECT ${d.jsonArrayAgg(rl)} FROM ratelimits r WHERE r.key_id = k.id) AS ratelimits,
      (SELECT ${d.jsonArrayAgg(rl)} FROM ratelimits r WHERE r.identity_id = i.id) AS identity_ratelimits,
      (SELECT ${d.jsonArrayAgg('p.slug')} FROM key_permissions kp JOIN permissions p ON p.id = kp.permission_id
        WHERE kp.key_id = k.id) AS permissions,
      (SELECT ${d.jsonArrayAgg('ro.name')} FROM key_roles kr JOIN roles ro ON ro.id = kr.role_id
        WHERE kr.key_id = k.id) AS roles,
      (SELECT ${d.jsonArrayAgg('p.slug')} FROM key_roles kr JOIN role_permissions rp ON rp.role_id = kr.role_id
        JOIN permissions p ON p.id = rp.permission_id WHERE kr.key_id = k.id) AS role_permissions
    ${LIVE_KEYS}`;
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
  /**
   * A key lookup of the verify path (every key-cache miss): its 1.5 KB text built once and kept prepared (shared.ts,
   * executeFixed; building it on every miss cost about 15 us, bench/cold-lookup-parts.ts), its one row read.
   */
  const findOne = async (name: string, build: () => RawBuilder<KeyRow>, parameters: [string, string]): Promise<KeyRecord | undefined> => {
    const { rows } = await executeFixed(db, dialect, name, () => build().compile(db), parameters);
    return rows[0] ? keyFromRow(rows[0], rows[0]) : undefined;
  };
  const ops: KeyOps = {
    async insertKey(row: NewKeyRow): Promise<void> {
      // Every keys.createKey runs it: one fixed text (the row's columns are always the same), kept prepared, not built.
      const values = newKeyValues(row, null);
      const parameters = Object.values(values);
      await executeFixed(
        db,
        dialect,
        'insertKey',
        () =>
          sql`INSERT INTO keys (${sql.join(Object.keys(values).map((column) => sql.ref(column)))}) VALUES (${sql.join(parameters)})`.compile(
            db,
          ),
        parameters,
      );
    },

    async findKey(workspaceId: string, keyId: string): Promise<KeyRecord | undefined> {
      return findOne(
        'findKey',
        () => sql<KeyRow>`${sql.raw(keySelect)} AND k.id = ${boundText(keyId)} AND k.workspace_id = ${boundText(workspaceId)}`,
        [keyId, workspaceId],
      );
    },

    async findKeyByHash(workspaceId: string, hash: string): Promise<KeyRecord | undefined> {
      // Both in the WHERE clause (the keys_workspace_hash index): another workspace's key with this hash is never read.
      return findOne(
        'findKeyByHash',
        () => sql<KeyRow>`${sql.raw(keySelect)} AND k.workspace_id = ${boundText(workspaceId)} AND k.hash = ${boundText(hash)}`,
        [workspaceId, hash],
      );
    },

    listKeys: (q: KeyListQuery): Promise<KeyRecord[]> => listKeyPage(db, dialect, q),

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
