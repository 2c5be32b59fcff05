import { sql, type Kysely, type Transaction } from 'kysely';
import type Database from 'better-sqlite3';
import { newId } from '../../core/ids.js';
import { monthlyRefillDaysOn, startOfUtcDay } from '../../core/refill.js';
import type {
  ApiRecord, ApiSettingsChange, AuditEntry, AuditQuery, CreditOperation, Engine, IdentityListQuery, IdentityRecord, KeyListQuery, KeyPatch, KeyRecord, Meta,
  NewKeyRow, NewPermission, NewRatelimit, NewRatelimitOverride, NewRole, PageQuery, PermissionRecord, RatelimitNamespaceRecord,
  RatelimitOverrideRecord, RatelimitRecord, RoleRecord, RootKeyRecord, SearchPageQuery, Store, StoreOps, WorkspaceRecord,
} from '../store.js';
import type { EncryptedKeyRecord, ManagedRootKeyRecord } from '../store.js';
import type { KeyMigrationRecord, PendingMigratedKey } from '../store.js';
import { SqliteCreditBatch } from './credit-batch.js';
import { openDatabase, type SqlDialect } from './dialect.js';
import { migrateToLatest } from './migrate.js';
import type { Tables } from './tables.js';

type Executor = Kysely<Tables> | Transaction<Tables>;

const parseJson = <T>(value: unknown): T | null => {
  if (value === null || value === undefined) return null;
  return (typeof value === 'string' ? JSON.parse(value) : value) as T;
};
const toJson = (value: unknown): string | null => (value === null || value === undefined ? null : JSON.stringify(value));
const bool = (value: number | boolean): boolean => value === 1 || value === true;

interface RatelimitJson { id: string; name: string; limit: number; duration: number; auto_apply: number | boolean }

function ratelimitsFrom(value: unknown): RatelimitRecord[] {
  const rows = parseJson<RatelimitJson[]>(value) ?? [];
  return rows
    .map((r) => ({ id: r.id, name: r.name, limit: Number(r.limit), duration: Number(r.duration), autoApply: bool(r.auto_apply) }))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

const stringsFrom = (value: unknown): string[] => [...new Set(parseJson<string[]>(value) ?? [])].sort();

/** One `ratelimits r` row as the JSON object ratelimitsFrom reads. */
const ratelimitJson = (d: SqlDialect): string =>
  d.jsonObject({ id: 'r.id', name: 'r.name', limit: 'r."limit"', duration: 'r.duration', auto_apply: 'r.auto_apply' });

/** Live identities with their limits, in one statement; callers append `AND ...` filters. */
function identitySelectSql(d: SqlDialect): string {
  return `SELECT i.id, i.external_id, i.meta,
      (SELECT ${d.jsonArrayAgg(ratelimitJson(d))} FROM ratelimits r WHERE r.identity_id = i.id) AS ratelimits
    FROM identities i
    WHERE i.deleted_at IS NULL`;
}

interface IdentityRow { id: string; external_id: string; meta: string | null; ratelimits: unknown }

const identityFromRow = (row: IdentityRow): IdentityRecord => ({
  id: row.id,
  externalId: row.external_id,
  meta: parseJson<Meta>(row.meta),
  ratelimits: ratelimitsFrom(row.ratelimits),
});

/** A LIKE pattern matching `text` anywhere, literally (used with ESCAPE '\'). */
const containsPattern = (text: string): string => `%${text.replace(/[\\%_]/g, '\\$&')}%`;

/** True where any of `columns` contains `text`, ignoring case, matched literally (NULL columns never match). */
function anyContains(columns: string[], text: string) {
  const pattern = containsPattern(text);
  // lower() on both sides: PostgreSQL's LIKE is case-sensitive, SQLite's is not.
  const tests = columns.map((column) => sql<boolean>`lower(${sql.ref(column)}) LIKE lower(${pattern}) ESCAPE '\\'`);
  return sql<boolean>`(${sql.join(tests, sql` OR `)})`;
}

type PermissionRow = Pick<Tables['permissions'], 'id' | 'name' | 'slug' | 'description'>;
type RoleRow = Pick<Tables['roles'], 'id' | 'name' | 'description'>;

const permissionFromRow = (row: PermissionRow): PermissionRecord =>
  ({ id: row.id, name: row.name, slug: row.slug, description: row.description });

/** Ordered in JS, not SQL: PostgreSQL may collate by locale, and both engines must answer in the same order. */
const byText = <T>(text: (item: T) => string) => (a: T, b: T): number => (text(a) < text(b) ? -1 : text(a) > text(b) ? 1 : 0);
const bySlug = byText<PermissionRecord>((p) => p.slug);

/**
 * One statement that loads a key with its identity, limits, permissions and roles, so a cache miss on
 * the verify path costs one round trip. Only live keys of live APIs are returned.
 */
function keySelectSql(d: SqlDialect): string {
  const rl = ratelimitJson(d);
  return `SELECT k.id, k.workspace_id, k.api_id, k.hash, k.start, k.prefix, k.name, k.meta, k.enabled, k.expires,
      k.remaining, k.refill_amount, k.refill_day, k.last_refill_at, k.created_at, k.updated_at, k.last_used_at,
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

interface KeyRow {
  id: string; workspace_id: string; api_id: string; hash: string; start: string; prefix: string | null;
  name: string | null; meta: string | null; enabled: number; expires: number | null; remaining: number | null;
  refill_amount: number | null; refill_day: number | null; last_refill_at: number | null; created_at: number;
  updated_at: number | null; last_used_at: number | null; identity_id: string | null;
  identity_external_id: string | null; identity_meta: string | null; ratelimits: unknown;
  identity_ratelimits: unknown; permissions: unknown; roles: unknown; role_permissions: unknown;
  api_ip_whitelist: string | null;
}

const num = (v: number | string | null): number | null => (v === null ? null : Number(v));

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
  };
}

function apiFromRow(row: Tables['apis']): ApiRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    deleteProtection: bool(row.delete_protection),
    storeEncryptedKeys: bool(row.store_encrypted_keys),
    defaultPrefix: row.default_prefix,
    defaultByteLength: row.default_byte_length,
    ipWhitelist: parseJson<string[]>(row.ip_whitelist),
    createdAt: Number(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

function namespaceFromRow(row: Tables['ratelimit_namespaces']): RatelimitNamespaceRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    createdAt: Number(row.created_at),
    updatedAt: num(row.updated_at),
    deletedAt: num(row.deleted_at),
  };
}

function overrideFromRow(row: Tables['ratelimit_overrides']): RatelimitOverrideRecord {
  return {
    id: row.id,
    namespaceId: row.namespace_id,
    identifier: row.identifier,
    limit: Number(row.limit),
    duration: Number(row.duration),
    createdAt: Number(row.created_at),
    updatedAt: num(row.updated_at),
  };
}

function managedRootKeyFromRow(row: Tables['root_keys']): ManagedRootKeyRecord {
  return {
    id: row.id,
    workspaceId: row.workspace_id,
    name: row.name,
    hash: row.hash,
    start: row.start,
    permissions: JSON.parse(row.permissions) as string[],
    expires: num(row.expires),
    createdBy: row.created_by,
    createdAt: Number(row.created_at),
    updatedAt: num(row.updated_at),
    lastUsedAt: num(row.last_used_at),
  };
}

const FIRST_START = 'first_start_at';

class SqlOps implements StoreOps {
  private readonly keySelect: string;
  private readonly identitySelect: string;

  constructor(
    protected readonly db: Executor,
    protected readonly dialect: SqlDialect,
  ) {
    this.keySelect = keySelectSql(dialect);
    this.identitySelect = identitySelectSql(dialect);
  }

  async insertWorkspace(w: WorkspaceRecord): Promise<void> {
    await this.db
      .insertInto('workspaces')
      .values({ id: w.id, name: w.name, enabled: w.enabled ? 1 : 0, api_rate_limit: null, created_at: w.createdAt, deleted_at: null })
      .execute();
  }

  async claimFirstStart(now: number): Promise<boolean> {
    const result = await this.db
      .insertInto('keyward_state')
      .values({ name: FIRST_START, value: String(now) })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async insertRootKey(row: Parameters<StoreOps['insertRootKey']>[0]): Promise<void> {
    await this.db
      .insertInto('root_keys')
      .values({
        id: row.id, workspace_id: row.workspaceId, name: row.name, hash: row.hash, start: row.start,
        permissions: JSON.stringify(row.permissions), enabled: 1, created_by: row.createdBy,
        created_at: row.createdAt, updated_at: null, expires: row.expires, last_used_at: null, deleted_at: null,
      })
      .execute();
  }

  async findRootKeyByHash(hash: string): Promise<RootKeyRecord | undefined> {
    const row = await this.db
      .selectFrom('root_keys as r')
      .innerJoin('workspaces as w', 'w.id', 'r.workspace_id')
      .select([
        'r.id', 'r.workspace_id', 'r.name', 'r.start', 'r.permissions', 'r.enabled', 'r.expires', 'r.created_at',
        'w.enabled as workspace_enabled', 'w.api_rate_limit as workspace_api_rate_limit',
      ])
      .where('r.hash', '=', hash)
      .where('r.deleted_at', 'is', null)
      .where('w.deleted_at', 'is', null)
      .executeTakeFirst();
    if (!row) return undefined;
    return {
      id: row.id,
      workspaceId: row.workspace_id,
      name: row.name,
      start: row.start,
      permissions: JSON.parse(row.permissions) as string[],
      enabled: bool(row.enabled),
      expires: num(row.expires),
      workspaceEnabled: bool(row.workspace_enabled),
      workspaceApiRateLimit: num(row.workspace_api_rate_limit),
      createdAt: Number(row.created_at),
    };
  }

  async setWorkspaceApiRateLimit(workspaceId: string, limit: number | null): Promise<boolean> {
    const result = await this.db
      .updateTable('workspaces')
      .set({ api_rate_limit: limit })
      .where('id', '=', workspaceId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async findWorkspace(workspaceId: string): Promise<WorkspaceRecord | undefined> {
    const row = await this.db
      .selectFrom('workspaces')
      .select(['id', 'name', 'enabled', 'created_at'])
      .where('id', '=', workspaceId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row && { id: row.id, name: row.name, enabled: bool(row.enabled), createdAt: Number(row.created_at) };
  }

  async findRootKey(workspaceId: string, rootKeyId: string): Promise<ManagedRootKeyRecord | undefined> {
    const row = await this.db
      .selectFrom('root_keys')
      .selectAll()
      .where('id', '=', rootKeyId)
      .where('workspace_id', '=', workspaceId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row ? managedRootKeyFromRow(row) : undefined;
  }

  async findRootKeyWorkspace(rootKeyId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('root_keys')
      .select('workspace_id')
      .where('id', '=', rootKeyId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row?.workspace_id;
  }

  async listRootKeys(q: PageQuery): Promise<ManagedRootKeyRecord[]> {
    const rows = await this.db
      .selectFrom('root_keys')
      .selectAll()
      .where('workspace_id', '=', q.workspaceId)
      .where('deleted_at', 'is', null)
      .$if(q.cursor !== undefined, (qb) => qb.where('id', '>', q.cursor!))
      .orderBy('id')
      .limit(q.limit)
      .execute();
    return rows.map(managedRootKeyFromRow);
  }

  async updateRootKey(rootKeyId: string, patch: { name?: string; permissions?: string[] }, now: number): Promise<void> {
    const values: Partial<Tables['root_keys']> = { updated_at: now };
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.permissions !== undefined) values.permissions = JSON.stringify(patch.permissions);
    await this.db.updateTable('root_keys').set(values).where('id', '=', rootKeyId).execute();
  }

  async softDeleteRootKey(workspaceId: string, rootKeyId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('root_keys')
      .set({ deleted_at: now, updated_at: now })
      .where('id', '=', rootKeyId)
      .where('workspace_id', '=', workspaceId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async insertApi(api: ApiRecord): Promise<void> {
    await this.db
      .insertInto('apis')
      .values({
        id: api.id, workspace_id: api.workspaceId, name: api.name, delete_protection: api.deleteProtection ? 1 : 0,
        store_encrypted_keys: api.storeEncryptedKeys ? 1 : 0, default_prefix: api.defaultPrefix,
        default_byte_length: api.defaultByteLength, ip_whitelist: toJson(api.ipWhitelist), created_at: api.createdAt,
        updated_at: api.updatedAt, deleted_at: null,
      })
      .execute();
  }

  async findApi(workspaceId: string, apiId: string): Promise<ApiRecord | undefined> {
    const row = await this.db
      .selectFrom('apis')
      .selectAll()
      .where('id', '=', apiId)
      .where('workspace_id', '=', workspaceId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row ? apiFromRow(row) : undefined;
  }

  async softDeleteApi(workspaceId: string, apiId: string, now: number): Promise<void> {
    await this.db
      .updateTable('apis')
      .set({ deleted_at: now, updated_at: now })
      .where('id', '=', apiId)
      .where('workspace_id', '=', workspaceId)
      .execute();
  }

  async updateApiSettings(workspaceId: string, apiId: string, settings: ApiSettingsChange, now: number): Promise<void> {
    const values: Partial<Tables['apis']> = { updated_at: now };
    if (settings.deleteProtection !== undefined) values.delete_protection = settings.deleteProtection ? 1 : 0;
    if (settings.storeEncryptedKeys !== undefined) values.store_encrypted_keys = settings.storeEncryptedKeys ? 1 : 0;
    if (settings.ipWhitelist !== undefined) values.ip_whitelist = toJson(settings.ipWhitelist);
    await this.db.updateTable('apis').set(values).where('id', '=', apiId).where('workspace_id', '=', workspaceId).execute();
  }

  async upsertIdentity(workspaceId: string, externalId: string, now: number): Promise<string> {
    await this.db
      .insertInto('identities')
      .values({
        id: newId('identity', now), workspace_id: workspaceId, external_id: externalId, environment: 'default',
        meta: '{}', created_at: now, updated_at: null, deleted_at: null,
      })
      .onConflict((oc) => oc.columns(['workspace_id', 'external_id']).where('deleted_at', 'is', null).doNothing())
      .execute();
    const id = await this.findIdentityIdByExternalId(workspaceId, externalId);
    if (!id) throw new Error('identity upsert found no live row');
    return id;
  }

  async findIdentityIdByExternalId(workspaceId: string, externalId: string): Promise<string | undefined> {
    const row = await this.db
      .selectFrom('identities')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('external_id', '=', externalId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return row?.id;
  }

  async insertIdentity(row: Parameters<StoreOps['insertIdentity']>[0]): Promise<boolean> {
    // DO NOTHING on the live-externalId index rather than catching the violation: a failed statement would abort
    // a PostgreSQL transaction, and the caller wants to answer 409 from inside its own.
    const result = await this.db
      .insertInto('identities')
      .values({
        id: row.id, workspace_id: row.workspaceId, external_id: row.externalId, environment: 'default',
        meta: toJson(row.meta), created_at: row.createdAt, updated_at: null, deleted_at: null,
      })
      .onConflict((oc) => oc.columns(['workspace_id', 'external_id']).where('deleted_at', 'is', null).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async findIdentity(workspaceId: string, idOrExternalId: string): Promise<IdentityRecord | undefined> {
    // An externalId may look like another identity's id; the id wins, so an id always reaches its own identity.
    const { rows } = await sql<IdentityRow>`${sql.raw(this.identitySelect)} AND i.workspace_id = ${workspaceId}
      AND (i.id = ${idOrExternalId} OR i.external_id = ${idOrExternalId})
      ORDER BY CASE WHEN i.id = ${idOrExternalId} THEN 0 ELSE 1 END LIMIT 1`.execute(this.db);
    return rows[0] ? identityFromRow(rows[0]) : undefined;
  }

  async listIdentities(q: IdentityListQuery): Promise<IdentityRecord[]> {
    const filters = [sql`i.workspace_id = ${q.workspaceId}`];
    if (q.search !== undefined) {
      // lower() on both sides: PostgreSQL's LIKE is case-sensitive, SQLite's is not.
      const pattern = containsPattern(q.search);
      filters.push(sql`(lower(i.id) LIKE lower(${pattern}) ESCAPE '\\' OR lower(i.external_id) LIKE lower(${pattern}) ESCAPE '\\')`);
    }
    if (q.cursor !== undefined) filters.push(sql`i.id > ${q.cursor}`);
    const { rows } = await sql<IdentityRow>`${sql.raw(this.identitySelect)} AND ${sql.join(filters, sql` AND `)}
      ORDER BY i.id LIMIT ${q.limit}`.execute(this.db);
    return rows.map(identityFromRow);
  }

  async updateIdentity(identityId: string, patch: { meta?: Meta }, now: number): Promise<void> {
    const values: Partial<Tables['identities']> = { updated_at: now };
    if (patch.meta !== undefined) values.meta = toJson(patch.meta);
    await this.db.updateTable('identities').set(values).where('id', '=', identityId).execute();
  }

  async replaceIdentityRatelimits(workspaceId: string, identityId: string, limits: NewRatelimit[], now: number): Promise<void> {
    await this.replaceRatelimits(workspaceId, 'identity_id', identityId, limits, now);
  }

  async softDeleteIdentity(workspaceId: string, identityId: string, now: number): Promise<void> {
    const stale = await this.db
      .selectFrom('identities as old')
      .innerJoin('identities as cur', (join) =>
        join.onRef('cur.workspace_id', '=', 'old.workspace_id').onRef('cur.external_id', '=', 'old.external_id'))
      .select('old.id')
      .where('cur.id', '=', identityId)
      .where('old.workspace_id', '=', workspaceId)
      .where('old.deleted_at', 'is not', null)
      .execute();
    const staleIds = stale.map((row) => row.id);
    if (staleIds.length > 0) {
      await this.db.deleteFrom('ratelimits').where('identity_id', 'in', staleIds).execute();
      await this.db.deleteFrom('identities').where('id', 'in', staleIds).execute();
    }
    await this.db
      .updateTable('identities')
      .set({ deleted_at: now, updated_at: now })
      .where('id', '=', identityId)
      .where('workspace_id', '=', workspaceId)
      .execute();
    // Reads already ignore a deleted identity; clearing the link as well leaves no key pointing at a row that is
    // deleted now and may be purged later. The purged copies are included: identities deleted before links were
    // cleared left keys pointing at them. Written after the identity row, the order in which keys.createKey and
    // updateKey touch the two (identity, then key), so concurrent PostgreSQL transactions queue rather than
    // deadlock. updatedAt stays: nobody edited the key, and what it answers did not change with this.
    await this.db
      .updateTable('keys')
      .set({ identity_id: null })
      .where('workspace_id', '=', workspaceId)
      .where('identity_id', 'in', [identityId, ...staleIds])
      .execute();
  }

  async insertKey(row: NewKeyRow): Promise<void> {
    await this.db
      .insertInto('keys')
      .values({
        id: row.id, workspace_id: row.workspaceId, api_id: row.apiId, hash: row.hash, start: row.start,
        prefix: row.prefix, name: row.name, identity_id: row.identityId, meta: toJson(row.meta),
        enabled: row.enabled ? 1 : 0, expires: row.expires, remaining: row.remaining,
        refill_amount: row.refill?.amount ?? null, refill_day: row.refill?.day ?? null,
        last_refill_at: row.refill ? row.createdAt : null, last_used_at: null, pending_migration_id: null,
        created_at: row.createdAt, updated_at: null, deleted_at: null,
      })
      .execute();
  }

  async findKey(workspaceId: string, keyId: string): Promise<KeyRecord | undefined> {
    const { rows } = await sql<KeyRow>`${sql.raw(this.keySelect)} AND k.id = ${keyId} AND k.workspace_id = ${workspaceId}`.execute(this.db);
    return rows[0] ? keyFromRow(rows[0]) : undefined;
  }

  async findKeyByHash(hash: string): Promise<KeyRecord | undefined> {
    const { rows } = await sql<KeyRow>`${sql.raw(this.keySelect)} AND k.hash = ${hash}`.execute(this.db);
    return rows[0] ? keyFromRow(rows[0]) : undefined;
  }

  async listKeys(q: KeyListQuery): Promise<KeyRecord[]> {
    const filters = [sql`k.workspace_id = ${q.workspaceId}`, sql`k.api_id = ${q.apiId}`];
    if (q.identityId !== undefined) filters.push(sql`k.identity_id = ${q.identityId}`);
    if (q.cursor !== undefined) filters.push(sql`k.id > ${q.cursor}`);
    const { rows } = await sql<KeyRow>`${sql.raw(this.keySelect)} AND ${sql.join(filters, sql` AND `)}
      ORDER BY k.id LIMIT ${q.limit}`.execute(this.db);
    return rows.map(keyFromRow);
  }

  async updateKey(keyId: string, patch: KeyPatch, now: number): Promise<void> {
    const values: Partial<Tables['keys']> = { updated_at: now };
    if (patch.name !== undefined) values.name = patch.name;
    if (patch.identityId !== undefined) values.identity_id = patch.identityId;
    if (patch.meta !== undefined) values.meta = toJson(patch.meta);
    if (patch.enabled !== undefined) values.enabled = patch.enabled ? 1 : 0;
    if (patch.expires !== undefined) values.expires = patch.expires;
    if (patch.remaining !== undefined) values.remaining = patch.remaining;
    if (patch.refill !== undefined) {
      values.refill_amount = patch.refill?.amount ?? null;
      values.refill_day = patch.refill?.day ?? null;
      values.last_refill_at = patch.refill ? now : null;
    }
    await this.db.updateTable('keys').set(values).where('id', '=', keyId).execute();
  }

  async replaceKeyRatelimits(workspaceId: string, keyId: string, limits: NewRatelimit[], now: number): Promise<void> {
    await this.replaceRatelimits(workspaceId, 'key_id', keyId, limits, now);
  }

  /** A key's or an identity's limits replaced by name; an upsert on (owner, name) keeps the ids of listed names. */
  private async replaceRatelimits(
    workspaceId: string, owner: 'key_id' | 'identity_id', ownerId: string, limits: NewRatelimit[], now: number,
  ): Promise<void> {
    const names = limits.map((l) => l.name);
    let removal = this.db.deleteFrom('ratelimits').where(owner, '=', ownerId);
    if (names.length > 0) removal = removal.where('name', 'not in', names);
    await removal.execute();
    for (const limit of limits) {
      await this.db
        .insertInto('ratelimits')
        .values({
          id: limit.id, workspace_id: workspaceId, key_id: null, identity_id: null, [owner]: ownerId, name: limit.name,
          limit: limit.limit, duration: limit.duration, auto_apply: limit.autoApply ? 1 : 0, created_at: now, updated_at: null,
        })
        .onConflict((oc) =>
          oc.columns([owner, 'name']).doUpdateSet({
            limit: limit.limit, duration: limit.duration, auto_apply: limit.autoApply ? 1 : 0, updated_at: now,
          }),
        )
        .execute();
    }
  }

  async setKeyPermissions(workspaceId: string, keyId: string, slugs: string[], now: number): Promise<void> {
    await this.db.deleteFrom('key_permissions').where('key_id', '=', keyId).execute();
    await this.addKeyPermissions(workspaceId, keyId, slugs, now);
  }

  async addKeyPermissions(workspaceId: string, keyId: string, slugs: string[], now: number): Promise<void> {
    const permissions = await this.ensurePermissions(workspaceId, slugs, now);
    if (permissions.length === 0) return;
    // DO NOTHING: a link the key already has (or a concurrent add just made) is not an error.
    await this.db
      .insertInto('key_permissions')
      .values(permissions.map((p) => ({ key_id: keyId, permission_id: p.id, workspace_id: workspaceId, created_at: now })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async removeKeyPermissions(keyId: string, permissionIds: string[]): Promise<void> {
    if (permissionIds.length === 0) return;
    await this.db.deleteFrom('key_permissions').where('key_id', '=', keyId).where('permission_id', 'in', permissionIds).execute();
  }

  async addKeyRoles(workspaceId: string, keyId: string, roleIds: string[], now: number): Promise<void> {
    if (roleIds.length === 0) return;
    await this.db
      .insertInto('key_roles')
      .values([...new Set(roleIds)].map((id) => ({ key_id: keyId, role_id: id, workspace_id: workspaceId, created_at: now })))
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async removeKeyRoles(keyId: string, roleIds: string[]): Promise<void> {
    if (roleIds.length === 0) return;
    await this.db.deleteFrom('key_roles').where('key_id', '=', keyId).where('role_id', 'in', roleIds).execute();
  }

  /** The workspace's permissions with these slugs, creating missing ones (named after their slug; race-safe). */
  private async ensurePermissions(workspaceId: string, slugs: string[], now: number): Promise<PermissionRecord[]> {
    const unique = [...new Set(slugs)];
    if (unique.length === 0) return [];
    await this.db
      .insertInto('permissions')
      .values(unique.map((slug) => ({
        id: newId('permission', now), workspace_id: workspaceId, name: slug, slug, description: null, created_at: now, updated_at: null,
      })))
      .onConflict((oc) => oc.columns(['workspace_id', 'slug']).doNothing())
      .execute();
    return this.findPermissionsBySlug(workspaceId, unique);
  }

  async insertPermission(row: NewPermission): Promise<boolean> {
    // DO NOTHING rather than catching the violation: a failed statement would abort a PostgreSQL transaction.
    const result = await this.db
      .insertInto('permissions')
      .values({
        id: row.id, workspace_id: row.workspaceId, name: row.name, slug: row.slug, description: row.description,
        created_at: row.createdAt, updated_at: null,
      })
      .onConflict((oc) => oc.columns(['workspace_id', 'slug']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async findPermission(workspaceId: string, idOrSlug: string): Promise<PermissionRecord | undefined> {
    // A slug may spell another permission's id; the id wins, so an id always reaches its own permission.
    const row = await this.db
      .selectFrom('permissions')
      .select(['id', 'name', 'slug', 'description'])
      .where('workspace_id', '=', workspaceId)
      .where((eb) => eb.or([eb('id', '=', idOrSlug), eb('slug', '=', idOrSlug)]))
      .orderBy(sql`CASE WHEN id = ${idOrSlug} THEN 0 ELSE 1 END`)
      .limit(1)
      .executeTakeFirst();
    return row ? permissionFromRow(row) : undefined;
  }

  async findPermissionsBySlug(workspaceId: string, slugs: readonly string[]): Promise<PermissionRecord[]> {
    if (slugs.length === 0) return [];
    const rows = await this.db
      .selectFrom('permissions')
      .select(['id', 'name', 'slug', 'description'])
      .where('workspace_id', '=', workspaceId)
      .where('slug', 'in', [...new Set(slugs)])
      .execute();
    return rows.map(permissionFromRow).sort(bySlug);
  }

  async listPermissions(q: SearchPageQuery): Promise<PermissionRecord[]> {
    const rows = await this.db
      .selectFrom('permissions')
      .select(['id', 'name', 'slug', 'description'])
      .where('workspace_id', '=', q.workspaceId)
      .$if(q.search !== undefined, (qb) => qb.where(anyContains(['id', 'name', 'slug', 'description'], q.search!)))
      .$if(q.cursor !== undefined, (qb) => qb.where('id', '>', q.cursor!))
      .orderBy('id')
      .limit(q.limit)
      .execute();
    return rows.map(permissionFromRow);
  }

  async deletePermission(workspaceId: string, permissionId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('permissions').where('id', '=', permissionId).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return false;
    await this.db.deleteFrom('key_permissions').where('permission_id', '=', permissionId).execute();
    await this.db.deleteFrom('role_permissions').where('permission_id', '=', permissionId).execute();
    return true;
  }

  async insertRole(row: NewRole): Promise<boolean> {
    // DO NOTHING rather than catching the violation: a failed statement would abort a PostgreSQL transaction.
    const result = await this.db
      .insertInto('roles')
      .values({ id: row.id, workspace_id: row.workspaceId, name: row.name, description: row.description, created_at: row.createdAt, updated_at: null })
      .onConflict((oc) => oc.columns(['workspace_id', 'name']).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async findRole(workspaceId: string, idOrName: string): Promise<RoleRecord | undefined> {
    // A name may spell another role's id; the id wins, so an id always reaches its own role.
    const row = await this.db
      .selectFrom('roles')
      .select(['id', 'name', 'description'])
      .where('workspace_id', '=', workspaceId)
      .where((eb) => eb.or([eb('id', '=', idOrName), eb('name', '=', idOrName)]))
      .orderBy(sql`CASE WHEN id = ${idOrName} THEN 0 ELSE 1 END`)
      .limit(1)
      .executeTakeFirst();
    return row ? (await this.withPermissions([row]))[0] : undefined;
  }

  async findRolesByName(workspaceId: string, names: readonly string[]): Promise<RoleRecord[]> {
    if (names.length === 0) return [];
    const rows = await this.db
      .selectFrom('roles')
      .select(['id', 'name', 'description'])
      .where('workspace_id', '=', workspaceId)
      .where('name', 'in', [...new Set(names)])
      .execute();
    return (await this.withPermissions(rows)).sort(byText((r) => r.name));
  }

  async listRoles(q: SearchPageQuery): Promise<RoleRecord[]> {
    const rows = await this.db
      .selectFrom('roles')
      .select(['id', 'name', 'description'])
      .where('workspace_id', '=', q.workspaceId)
      .$if(q.search !== undefined, (qb) => qb.where(anyContains(['id', 'name', 'description'], q.search!)))
      .$if(q.cursor !== undefined, (qb) => qb.where('id', '>', q.cursor!))
      .orderBy('id')
      .limit(q.limit)
      .execute();
    return this.withPermissions(rows);
  }

  async deleteRole(workspaceId: string, roleId: string): Promise<boolean> {
    const result = await this.db.deleteFrom('roles').where('id', '=', roleId).where('workspace_id', '=', workspaceId).executeTakeFirst();
    if (Number(result.numDeletedRows) === 0) return false;
    await this.db.deleteFrom('key_roles').where('role_id', '=', roleId).execute();
    await this.db.deleteFrom('role_permissions').where('role_id', '=', roleId).execute();
    return true;
  }

  async setRolePermissions(workspaceId: string, roleId: string, slugs: string[], now: number): Promise<PermissionRecord[]> {
    // Writing the role first holds its row lock (PostgreSQL) until the transaction ends, so concurrent replacements
    // of one role's permissions apply one after another instead of mixing their sets.
    await this.db.updateTable('roles').set({ updated_at: now }).where('id', '=', roleId).where('workspace_id', '=', workspaceId).execute();
    await this.db.deleteFrom('role_permissions').where('role_id', '=', roleId).execute();
    const permissions = await this.ensurePermissions(workspaceId, slugs, now);
    if (permissions.length === 0) return [];
    await this.db
      .insertInto('role_permissions')
      .values(permissions.map((p) => ({ role_id: roleId, permission_id: p.id, workspace_id: workspaceId, created_at: now })))
      .execute();
    return permissions;
  }

  /** The roles (in the given order) with their permissions, loaded for all of them in one query. */
  private async withPermissions(rows: RoleRow[]): Promise<RoleRecord[]> {
    if (rows.length === 0) return [];
    const links = await this.db
      .selectFrom('role_permissions as rp')
      .innerJoin('permissions as p', 'p.id', 'rp.permission_id')
      .select(['rp.role_id', 'p.id', 'p.name', 'p.slug', 'p.description'])
      .where('rp.role_id', 'in', rows.map((r) => r.id))
      .execute();
    const byRole = new Map<string, PermissionRecord[]>(rows.map((r) => [r.id, []]));
    for (const link of links) byRole.get(link.role_id)!.push(permissionFromRow(link));
    return rows.map((r) => ({ id: r.id, name: r.name, description: r.description, permissions: byRole.get(r.id)!.sort(bySlug) }));
  }

  async setKeyRoles(workspaceId: string, keyId: string, roleNames: string[], now: number): Promise<string[]> {
    const unique = [...new Set(roleNames)];
    const roles = unique.length === 0
      ? []
      : await this.db.selectFrom('roles').select(['id', 'name']).where('workspace_id', '=', workspaceId).where('name', 'in', unique).execute();
    const found = new Set(roles.map((r) => r.name));
    const missing = unique.filter((name) => !found.has(name));
    if (missing.length > 0) return missing;
    await this.db.deleteFrom('key_roles').where('key_id', '=', keyId).execute();
    if (roles.length > 0) {
      await this.db
        .insertInto('key_roles')
        .values(roles.map((r) => ({ key_id: keyId, role_id: r.id, workspace_id: workspaceId, created_at: now })))
        .execute();
    }
    return [];
  }

  async changeCredits(keyId: string, operation: CreditOperation, value: number): Promise<number | undefined> {
    const remaining =
      operation === 'set' ? sql<number>`${value}`
      : operation === 'increment' ? sql<number>`remaining + ${value}`
      : sql<number>`CASE WHEN remaining > ${value} THEN remaining - ${value} ELSE 0 END`;
    const row = await this.db
      .updateTable('keys')
      .set({ remaining })
      .where('id', '=', keyId)
      // A soft-deleted key is gone: its balance must not move (nor be reported) any more.
      .where('deleted_at', 'is', null)
      .$if(operation !== 'set', (qb) => qb.where('remaining', 'is not', null))
      .returning('remaining')
      .executeTakeFirst();
    return row?.remaining === undefined || row.remaining === null ? undefined : Number(row.remaining);
  }

  async softDeleteKey(keyId: string, now: number): Promise<void> {
    await this.db.updateTable('keys').set({ deleted_at: now, updated_at: now }).where('id', '=', keyId).execute();
  }

  async purgeKey(keyId: string): Promise<void> {
    await this.db.deleteFrom('ratelimits').where('key_id', '=', keyId).execute();
    await this.db.deleteFrom('key_permissions').where('key_id', '=', keyId).execute();
    await this.db.deleteFrom('key_roles').where('key_id', '=', keyId).execute();
    await this.db.deleteFrom('encrypted_keys').where('key_id', '=', keyId).execute();
    await this.db.deleteFrom('keys').where('id', '=', keyId).execute();
  }

  async insertEncryptedKey(row: EncryptedKeyRecord): Promise<void> {
    await this.db
      .insertInto('encrypted_keys')
      .values({
        key_id: row.keyId, workspace_id: row.workspaceId, ciphertext: row.ciphertext,
        encryption_key_id: row.encryptionKeyId, created_at: row.createdAt,
      })
      .execute();
  }

  async findEncryptedKeys(workspaceId: string, keyIds: readonly string[]): Promise<EncryptedKeyRecord[]> {
    if (keyIds.length === 0) return [];
    const rows = await this.db
      .selectFrom('encrypted_keys')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('key_id', 'in', keyIds)
      .execute();
    return rows.map((row) => ({
      keyId: row.key_id, workspaceId: row.workspace_id, ciphertext: row.ciphertext,
      encryptionKeyId: row.encryption_key_id, createdAt: Number(row.created_at),
    }));
  }

  async insertKeyMigration(row: KeyMigrationRecord): Promise<void> {
    await this.db
      .insertInto('key_migrations')
      .values({ id: row.id, workspace_id: row.workspaceId, algorithm: row.algorithm, created_at: row.createdAt })
      .execute();
  }

  async findKeyMigration(workspaceId: string, migrationId: string): Promise<KeyMigrationRecord | undefined> {
    const row = await this.db
      .selectFrom('key_migrations')
      .selectAll()
      .where('id', '=', migrationId)
      .where('workspace_id', '=', workspaceId)
      .executeTakeFirst();
    return row && { id: row.id, workspaceId: row.workspace_id, algorithm: row.algorithm, createdAt: Number(row.created_at) };
  }

  async listKeyMigrations(workspaceId: string): Promise<KeyMigrationRecord[]> {
    const rows = await this.db.selectFrom('key_migrations').selectAll().where('workspace_id', '=', workspaceId).orderBy('id').execute();
    return rows.map((row) => ({ id: row.id, workspaceId: row.workspace_id, algorithm: row.algorithm, createdAt: Number(row.created_at) }));
  }

  async findTakenKeyHashes(hashes: readonly string[]): Promise<string[]> {
    const unique = [...new Set(hashes)];
    const taken: string[] = [];
    // In slices: SQLite and PostgreSQL both bound the number of parameters in one statement.
    for (let i = 0; i < unique.length; i += 500) {
      const rows = await this.db.selectFrom('keys').select('hash').where('hash', 'in', unique.slice(i, i + 500)).execute();
      taken.push(...rows.map((row) => row.hash));
    }
    return taken;
  }

  async insertMigratedKey(row: NewKeyRow & { pendingMigrationId: string }): Promise<boolean> {
    // DO NOTHING on the hash rather than catching the violation: a failed statement would abort a PostgreSQL transaction.
    const result = await this.db
      .insertInto('keys')
      .values({
        id: row.id, workspace_id: row.workspaceId, api_id: row.apiId, hash: row.hash, start: row.start,
        prefix: row.prefix, name: row.name, identity_id: row.identityId, meta: toJson(row.meta),
        enabled: row.enabled ? 1 : 0, expires: row.expires, remaining: row.remaining,
        refill_amount: row.refill?.amount ?? null, refill_day: row.refill?.day ?? null,
        last_refill_at: row.refill ? row.createdAt : null, last_used_at: null, pending_migration_id: row.pendingMigrationId,
        created_at: row.createdAt, updated_at: null, deleted_at: null,
      })
      .onConflict((oc) => oc.column('hash').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async findPendingMigratedKey(workspaceId: string, migrationId: string, hash: string): Promise<PendingMigratedKey | undefined> {
    const row = await this.db
      .selectFrom('keys as k')
      .innerJoin('apis as a', 'a.id', 'k.api_id')
      .select(['k.id', 'k.api_id', 'k.hash'])
      .where('k.hash', '=', hash)
      .where('k.workspace_id', '=', workspaceId)
      .where('k.pending_migration_id', '=', migrationId)
      .where('k.deleted_at', 'is', null)
      .where('a.deleted_at', 'is', null)
      .executeTakeFirst();
    return row && { id: row.id, apiId: row.api_id, hash: row.hash };
  }

  async completeKeyMigration(
    keyId: string, change: { fromHash: string; hash: string; start: string; prefix: string | null }, now: number,
  ): Promise<'completed' | 'gone' | 'conflict'> {
    const values: Partial<Tables['keys']> = { hash: change.hash, start: change.start, pending_migration_id: null, updated_at: now };
    if (change.prefix !== null) values.prefix = change.prefix;
    try {
      const result = await this.db
        .updateTable('keys')
        .set(values)
        .where('id', '=', keyId)
        .where('hash', '=', change.fromHash)
        .where('pending_migration_id', 'is not', null)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0 ? 'completed' : 'gone';
    } catch (error) {
      if (this.dialect.isUniqueViolation(error)) return 'conflict';
      throw error;
    }
  }

  async spendCredits(keyId: string, cost: number): Promise<number | undefined> {
    // On the verify path: written as SQL rather than built with the query builder, which cost about 13 us of CPU
    // per call on top of the statement itself (bench/RESULTS.md, "Profiling and fixes").
    const { rows } = await sql<{ remaining: number | string }>`UPDATE keys SET remaining = remaining - ${cost}
      WHERE id = ${keyId} AND remaining >= ${cost} RETURNING remaining`.execute(this.db);
    return rows[0] ? Number(rows[0].remaining) : undefined;
  }

  async readCredits(keyId: string): Promise<number | null | undefined> {
    const row = await this.db.selectFrom('keys').select('remaining').where('id', '=', keyId).executeTakeFirst();
    return row ? num(row.remaining) : undefined;
  }

  recordKeyUsage(usage: ReadonlyMap<string, number>): Promise<void> {
    return this.stampLastUsed('keys', usage);
  }

  recordRootKeyUsage(usage: ReadonlyMap<string, number>): Promise<void> {
    return this.stampLastUsed('root_keys', usage);
  }

  /**
   * Several nodes flush independently, so an older time never overwrites a newer one. A flush may hold thousands
   * of ids: 500 rows a statement (one UPDATE joined to a VALUES list, about 0.3 ms for 250 rows on a 100,000-key
   * SQLite table) rather than one query-builder statement per row.
   */
  private async stampLastUsed(table: 'keys' | 'root_keys', usage: ReadonlyMap<string, number>): Promise<void> {
    const entries = [...usage];
    const target = sql.table(table);
    for (let i = 0; i < entries.length; i += 500) {
      const rows = entries.slice(i, i + 500).map(([id, at]) => sql`(${id}, CAST(${at} AS BIGINT))`);
      await sql`WITH v(id, at) AS (VALUES ${sql.join(rows)})
        UPDATE ${target} SET last_used_at = v.at FROM v
        WHERE ${target}.id = v.id AND (${target}.last_used_at IS NULL OR ${target}.last_used_at < v.at)`.execute(this.db);
    }
  }

  async refillCredits(now: number): Promise<number> {
    const result = await this.db
      .updateTable('keys')
      .set((eb) => ({ remaining: eb.ref('refill_amount'), last_refill_at: now }))
      .where('refill_amount', 'is not', null)
      .where('deleted_at', 'is', null)
      .where((eb) => eb.or([eb('last_refill_at', 'is', null), eb('last_refill_at', '<', startOfUtcDay(now))]))
      .where((eb) => eb.or([eb('refill_day', 'is', null), eb('refill_day', 'in', monthlyRefillDaysOn(now))]))
      .executeTakeFirst();
    return Number(result.numUpdatedRows);
  }

  async findRatelimitNamespace(workspaceId: string, idOrName: string): Promise<RatelimitNamespaceRecord | undefined> {
    // The namespace with this id (live or deleted) and the live one with this name: one query, each half
    // served by an index (the primary key; the partial unique index on live names). Live wins.
    const rows = await this.db
      .selectFrom('ratelimit_namespaces')
      .selectAll()
      .where((eb) =>
        eb.or([
          eb.and([eb('id', '=', idOrName), eb('workspace_id', '=', workspaceId)]),
          eb.and([eb('workspace_id', '=', workspaceId), eb('name', '=', idOrName), eb('deleted_at', 'is', null)]),
        ]),
      )
      .execute();
    const found = rows.find((row) => row.deleted_at === null) ?? rows[0];
    if (found) return namespaceFromRow(found);
    // Only a name that is new, or was used by deleted namespaces alone, gets here (no index covers deleted names).
    const deleted = await this.db
      .selectFrom('ratelimit_namespaces')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('name', '=', idOrName)
      .where('deleted_at', 'is not', null)
      .orderBy('deleted_at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return deleted ? namespaceFromRow(deleted) : undefined;
  }

  async createRatelimitNamespace(workspaceId: string, name: string, now: number): Promise<{ namespace: RatelimitNamespaceRecord; created: boolean }> {
    const id = newId('ratelimitNamespace', now);
    await this.db
      .insertInto('ratelimit_namespaces')
      .values({ id, workspace_id: workspaceId, name, created_at: now, updated_at: null, deleted_at: null })
      .onConflict((oc) => oc.columns(['workspace_id', 'name']).where('deleted_at', 'is', null).doNothing())
      .execute();
    const row = await this.db
      .selectFrom('ratelimit_namespaces')
      .selectAll()
      .where('workspace_id', '=', workspaceId)
      .where('name', '=', name)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (!row) throw new Error('namespace create found no live row');
    return { namespace: namespaceFromRow(row), created: row.id === id };
  }

  async listRatelimitNamespaces(q: PageQuery): Promise<RatelimitNamespaceRecord[]> {
    const rows = await this.db
      .selectFrom('ratelimit_namespaces')
      .selectAll()
      .where('workspace_id', '=', q.workspaceId)
      .where('deleted_at', 'is', null)
      .$if(q.cursor !== undefined, (qb) => qb.where('id', '>', q.cursor!))
      .orderBy('id')
      .limit(q.limit)
      .execute();
    return rows.map(namespaceFromRow);
  }

  async renameRatelimitNamespace(workspaceId: string, namespaceId: string, name: string, now: number): Promise<'renamed' | 'name_taken' | 'not_found'> {
    const taken = await this.db
      .selectFrom('ratelimit_namespaces')
      .select('id')
      .where('workspace_id', '=', workspaceId)
      .where('name', '=', name)
      .where('deleted_at', 'is', null)
      .where('id', '!=', namespaceId)
      .executeTakeFirst();
    if (taken) return 'name_taken';
    try {
      const result = await this.db
        .updateTable('ratelimit_namespaces')
        .set({ name, updated_at: now })
        .where('id', '=', namespaceId)
        .where('workspace_id', '=', workspaceId)
        .where('deleted_at', 'is', null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0 ? 'renamed' : 'not_found';
    } catch (error) {
      // A concurrent rename took the name after the check (the partial unique index refused ours).
      if (this.dialect.isUniqueViolation(error)) return 'name_taken';
      throw error;
    }
  }

  async softDeleteRatelimitNamespace(workspaceId: string, namespaceId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('ratelimit_namespaces')
      .set({ deleted_at: now, updated_at: now })
      .where('id', '=', namespaceId)
      .where('workspace_id', '=', workspaceId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async upsertRatelimitOverride(
    row: NewRatelimitOverride,
    now: number,
  ): Promise<{ override: RatelimitOverrideRecord; created: boolean } | undefined> {
    // Writing the namespace row first holds its row lock (PostgreSQL) until the transaction ends, so
    // concurrent upserts into one namespace queue up instead of both inserting: the table has no unique
    // index on (namespace, identifier). SQLite runs one write transaction at a time anyway.
    const touched = await this.db
      .updateTable('ratelimit_namespaces')
      .set({ updated_at: now })
      .where('id', '=', row.namespaceId)
      .where('workspace_id', '=', row.workspaceId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (Number(touched.numUpdatedRows) === 0) return undefined;
    const existing = await this.db
      .selectFrom('ratelimit_overrides')
      .selectAll()
      .where('namespace_id', '=', row.namespaceId)
      .where('identifier', '=', row.identifier)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    if (existing) {
      await this.db
        .updateTable('ratelimit_overrides')
        .set({ limit: row.limit, duration: row.duration, updated_at: now })
        .where('id', '=', existing.id)
        .execute();
      return { override: { ...overrideFromRow(existing), limit: row.limit, duration: row.duration, updatedAt: now }, created: false };
    }
    const override: RatelimitOverrideRecord = {
      id: newId('ratelimitOverride', now), namespaceId: row.namespaceId, identifier: row.identifier,
      limit: row.limit, duration: row.duration, createdAt: now, updatedAt: null,
    };
    await this.db
      .insertInto('ratelimit_overrides')
      .values({
        id: override.id, workspace_id: row.workspaceId, namespace_id: row.namespaceId, identifier: row.identifier,
        limit: row.limit, duration: row.duration, created_at: now, updated_at: null, deleted_at: null,
      })
      .execute();
    return { override, created: true };
  }

  async findRatelimitOverrideCandidates(workspaceId: string, namespaceId: string, identifiers: readonly string[]): Promise<RatelimitOverrideRecord[]> {
    const rows = await this.db
      .selectFrom('ratelimit_overrides')
      .selectAll()
      .where('namespace_id', '=', namespaceId)
      .where('workspace_id', '=', workspaceId)
      .where('deleted_at', 'is', null)
      // `*` is not special to LIKE, so this keeps exactly the patterns.
      .where((eb) => eb.or([eb('identifier', 'like', '%*%'), ...(identifiers.length > 0 ? [eb('identifier', 'in', identifiers)] : [])]))
      .orderBy('id')
      .execute();
    return rows.map(overrideFromRow);
  }

  async listRatelimitOverrides(q: PageQuery & { namespaceId: string }): Promise<RatelimitOverrideRecord[]> {
    const rows = await this.db
      .selectFrom('ratelimit_overrides')
      .selectAll()
      .where('namespace_id', '=', q.namespaceId)
      .where('workspace_id', '=', q.workspaceId)
      .where('deleted_at', 'is', null)
      .$if(q.cursor !== undefined, (qb) => qb.where('id', '>', q.cursor!))
      .orderBy('id')
      .limit(q.limit)
      .execute();
    return rows.map(overrideFromRow);
  }

  async softDeleteRatelimitOverride(workspaceId: string, overrideId: string, now: number): Promise<boolean> {
    const result = await this.db
      .updateTable('ratelimit_overrides')
      .set({ deleted_at: now, updated_at: now })
      .where('id', '=', overrideId)
      .where('workspace_id', '=', workspaceId)
      .where('deleted_at', 'is', null)
      .executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  }

  async appendAudit(entry: AuditEntry): Promise<void> {
    await this.db
      .insertInto('audit_logs')
      .values({
        id: entry.id, workspace_id: entry.workspaceId, event: entry.event, time: entry.time,
        actor_type: entry.actor.type, actor_id: entry.actor.id, actor_name: entry.actor.name ?? null,
        description: entry.description, resources: JSON.stringify(entry.resources), source_ip: entry.sourceIp,
        user_agent: entry.userAgent, request_id: entry.requestId,
      })
      .execute();
    const seen = new Set<string>();
    const resources = entry.resources.filter((r) => {
      const id = `${r.type}\u0000${r.id}`;
      return seen.has(id) ? false : (seen.add(id), true);
    });
    if (resources.length > 0) {
      await this.db
        .insertInto('audit_log_resources')
        .values(resources.map((r) => ({ audit_log_id: entry.id, workspace_id: entry.workspaceId, resource_type: r.type, resource_id: r.id })))
        .execute();
    }
  }

  async listAudit(q: AuditQuery): Promise<AuditEntry[]> {
    let query = this.db.selectFrom('audit_logs as l').selectAll('l').where('l.workspace_id', '=', q.workspaceId);
    if (q.events && q.events.length > 0) query = query.where('l.event', 'in', q.events);
    if (q.actorId !== undefined) query = query.where('l.actor_id', '=', q.actorId);
    if (q.since !== undefined) query = query.where('l.time', '>=', q.since);
    if (q.until !== undefined) query = query.where('l.time', '<=', q.until);
    if (q.cursor !== undefined) query = query.where('l.id', '>', q.cursor);
    if (q.resourceId !== undefined) {
      const resourceId = q.resourceId;
      query = query.where((eb) =>
        eb.exists(
          eb.selectFrom('audit_log_resources as r')
            .select('r.audit_log_id')
            .whereRef('r.audit_log_id', '=', 'l.id')
            .where('r.workspace_id', '=', q.workspaceId)
            .where('r.resource_id', '=', resourceId),
        ),
      );
    }
    const rows = await query.orderBy('l.id').limit(q.limit).execute();
    return rows.map((row) => ({
      id: row.id,
      workspaceId: row.workspace_id,
      event: row.event,
      time: Number(row.time),
      actor: { type: row.actor_type as AuditEntry['actor']['type'], id: row.actor_id, name: row.actor_name },
      description: row.description,
      resources: JSON.parse(row.resources) as AuditEntry['resources'],
      sourceIp: row.source_ip,
      userAgent: row.user_agent,
      requestId: row.request_id,
    }));
  }
}

class SqlStore extends SqlOps implements Store {
  readonly engine: Engine;
  private readonly credits: SqliteCreditBatch | undefined;

  constructor(private readonly kysely: Kysely<Tables>, dialect: SqlDialect, sqlite: Database.Database | undefined) {
    super(kysely, dialect);
    this.engine = dialect.engine;
    this.credits = sqlite && new SqliteCreditBatch(kysely, sqlite);
  }

  /** On SQLite, concurrent spends commit together (credit-batch.ts); PostgreSQL commits each on its own connection. */
  override spendCredits(keyId: string, cost: number): Promise<number | undefined> {
    return this.credits ? this.credits.charge(keyId, cost) : super.spendCredits(keyId, cost);
  }

  transaction<T>(work: (tx: StoreOps) => Promise<T>): Promise<T> {
    return this.kysely.transaction().execute((trx) => work(new SqlOps(trx, this.dialect)));
  }

  /** One transaction per flush: thousands of single-row updates commit once instead of thousands of times. */
  override recordKeyUsage(usage: ReadonlyMap<string, number>): Promise<void> {
    return this.transaction((tx) => tx.recordKeyUsage(usage));
  }

  /** One transaction per flush, as recordKeyUsage. */
  override recordRootKeyUsage(usage: ReadonlyMap<string, number>): Promise<void> {
    return this.transaction((tx) => tx.recordRootKeyUsage(usage));
  }

  async close(): Promise<void> {
    await this.kysely.destroy();
  }
}

/** Opens the database at `url`, applies pending migrations, and returns the store. */
export async function openSqlStore(url: string): Promise<Store> {
  const { db, dialect, sqlite } = openDatabase(url);
  try {
    await migrateToLatest(db, dialect);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  return new SqlStore(db, dialect, sqlite);
}
