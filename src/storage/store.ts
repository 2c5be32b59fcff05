/**
 * The storage interface. Methods are named by what the caller means, not by table; every
 * implementation passes store.suite.ts. Mutations run inside `transaction`, and the service that
 * opens it appends the audit record in the same transaction, so a change and its record land together.
 *
 * Reads return only live objects: a soft-deleted key, API or identity is absent. Every read that
 * takes a workspace id is scoped to it: another workspace's object is simply "not there".
 */

export type Engine = 'sqlite' | 'postgres';

export type Meta = Record<string, unknown>;

export interface WorkspaceRecord {
  id: string;
  name: string;
  enabled: boolean;
  createdAt: number;
}

export interface RootKeyRecord {
  id: string;
  workspaceId: string;
  name: string | null;
  start: string;
  permissions: string[];
  enabled: boolean;
  expires: number | null;
  workspaceEnabled: boolean;
  /** The workspace's own API rate limit (requests per minute); null: the server-wide default applies. */
  workspaceApiRateLimit: number | null;
  createdAt: number;
}

/** A live root key as its management operations see it. The secret is never stored; `hash` is there to invalidate caches. */
export interface ManagedRootKeyRecord {
  id: string;
  workspaceId: string;
  name: string | null;
  hash: string;
  start: string;
  permissions: string[];
  expires: number | null;
  /** The root key that created it; null when Keyward itself did (bootstrap, CLI). */
  createdBy: string | null;
  createdAt: number;
  updatedAt: number | null;
  lastUsedAt: number | null;
}

/** The API settings apiSettings.updateSettings can change; absent fields are left alone. */
export interface ApiSettingsChange {
  deleteProtection?: boolean;
  storeEncryptedKeys?: boolean;
  ipWhitelist?: string[] | null;
}

export interface ApiRecord {
  id: string;
  workspaceId: string;
  name: string;
  deleteProtection: boolean;
  storeEncryptedKeys: boolean;
  defaultPrefix: string | null;
  defaultByteLength: number | null;
  /** Addresses and CIDR ranges allowed to verify this API's keys; null: any client. */
  ipWhitelist: string[] | null;
  createdAt: number;
  updatedAt: number | null;
}

export interface RatelimitRecord {
  id: string;
  name: string;
  limit: number;
  duration: number;
  autoApply: boolean;
}

export interface IdentityRecord {
  id: string;
  externalId: string;
  meta: Meta | null;
  ratelimits: RatelimitRecord[];
}

/** `day` null means a daily refill; a number means monthly on that day. */
export interface RefillRecord {
  amount: number;
  day: number | null;
}

export interface KeyRecord {
  id: string;
  workspaceId: string;
  apiId: string;
  /** Needed to invalidate caches after a mutation; response mappers never copy it. */
  hash: string;
  start: string;
  prefix: string | null;
  name: string | null;
  meta: Meta | null;
  enabled: boolean;
  expires: number | null;
  /** null: unlimited. */
  remaining: number | null;
  refill: RefillRecord | null;
  lastRefillAt: number | null;
  createdAt: number;
  updatedAt: number | null;
  lastUsedAt: number | null;
  identity: IdentityRecord | null;
  /** Direct permission slugs. */
  permissions: string[];
  /** Role names. */
  roles: string[];
  /** Slugs reached through roles (may repeat direct ones). */
  rolePermissions: string[];
  /** Key-level limits only; identity limits sit on `identity`. */
  ratelimits: RatelimitRecord[];
  /** The key's API's IP whitelist, loaded with the key so verification needs no second lookup; null: any client. */
  apiIpWhitelist: string[] | null;
}

export interface NewKeyRow {
  id: string;
  workspaceId: string;
  apiId: string;
  hash: string;
  start: string;
  prefix: string | null;
  name: string | null;
  identityId: string | null;
  meta: Meta | null;
  enabled: boolean;
  expires: number | null;
  remaining: number | null;
  refill: RefillRecord | null;
  createdAt: number;
}

/** Absent fields stay as they are; present ones (including null) are written. */
export interface KeyPatch {
  name?: string | null;
  identityId?: string | null;
  meta?: Meta | null;
  enabled?: boolean;
  expires?: number | null;
  remaining?: number | null;
  refill?: RefillRecord | null;
}

export interface NewRatelimit {
  id: string;
  name: string;
  limit: number;
  duration: number;
  autoApply: boolean;
}

export type CreditOperation = 'set' | 'increment' | 'decrement';

/** The vault's ciphertext of a recoverable key (src/vault); its data key lives in the vault store, never here. */
export interface EncryptedKeyRecord {
  keyId: string;
  workspaceId: string;
  ciphertext: string;
  /** The data key (`dek_...`) that encrypted it. */
  encryptionKeyId: string;
  createdAt: number;
}

/** A key migration: the hash scheme of the keys imported under it (src/core/key-migration.ts names them). */
export interface KeyMigrationRecord {
  id: string;
  workspaceId: string;
  algorithm: string;
  createdAt: number;
}

/** An imported key still waiting for its first verification, as that verification needs it. */
export interface PendingMigratedKey {
  id: string;
  apiId: string;
  /** The imported hash it is stored under. */
  hash: string;
}

export interface AuditResource {
  type: string;
  id: string;
  name?: string;
}

export interface AuditEntry {
  id: string;
  workspaceId: string;
  event: string;
  time: number;
  actor: { type: 'root_key' | 'system' | 'user'; id: string; name?: string | null };
  description: string;
  resources: AuditResource[];
  sourceIp: string | null;
  userAgent: string | null;
  requestId: string | null;
}

export interface AuditQuery {
  workspaceId: string;
  events?: string[];
  actorId?: string;
  resourceId?: string;
  since?: number;
  until?: number;
  /** Records with ids after this one (ids are time-ordered). */
  cursor?: string;
  limit: number;
}

export interface IdentityListQuery {
  workspaceId: string;
  /** Case-insensitive substring of the id or the externalId (matched literally: `%` and `_` are not wildcards). */
  search?: string;
  /** Identities with ids after this one. */
  cursor?: string;
  limit: number;
}

export interface KeyListQuery {
  workspaceId: string;
  apiId: string;
  identityId?: string;
  cursor?: string;
  limit: number;
}

export interface RatelimitNamespaceRecord {
  id: string;
  workspaceId: string;
  name: string;
  createdAt: number;
  updatedAt: number | null;
  /** Set once soft-deleted: ratelimit.limit then answers 410, the override endpoints 404. */
  deletedAt: number | null;
}

export interface RatelimitOverrideRecord {
  id: string;
  namespaceId: string;
  /** An exact identifier or a pattern with `*` (core/override-match.ts). */
  identifier: string;
  limit: number;
  duration: number;
  createdAt: number;
  updatedAt: number | null;
}

export interface NewRatelimitOverride {
  workspaceId: string;
  namespaceId: string;
  identifier: string;
  limit: number;
  duration: number;
}

/** A page of live rows ordered by id (creation order), after `cursor` when given. */
export interface PageQuery {
  workspaceId: string;
  cursor?: string;
  limit: number;
}

/** A permission of the workspace's own RBAC (what its keys hold and verifyKey matches by slug). */
export interface PermissionRecord {
  id: string;
  name: string;
  slug: string;
  description: string | null;
}

export interface RoleRecord {
  id: string;
  name: string;
  description: string | null;
  /** The role's permissions, ordered by slug. */
  permissions: PermissionRecord[];
}

export interface NewPermission extends PermissionRecord {
  workspaceId: string;
  createdAt: number;
}

export interface NewRole {
  id: string;
  workspaceId: string;
  name: string;
  description: string | null;
  createdAt: number;
}

/** A PageQuery that also keeps only rows containing `search` (case-insensitive, literally: `%` and `_` are not wildcards). */
export interface SearchPageQuery extends PageQuery {
  search?: string;
}

/** Everything a store can do, available both on the store and inside a transaction. */
export interface StoreOps {
  // bootstrap and workspaces
  insertWorkspace(workspace: WorkspaceRecord): Promise<void>;
  /** Marks the first start done; false if it already was (so it happens once). */
  claimFirstStart(now: number): Promise<boolean>;
  insertRootKey(row: {
    id: string; workspaceId: string; name: string | null; hash: string; start: string;
    permissions: string[]; createdAt: number; expires: number | null; createdBy: string | null;
  }): Promise<void>;
  findRootKeyByHash(hash: string): Promise<RootKeyRecord | undefined>;
  /** The live workspace with this id. */
  findWorkspace(workspaceId: string): Promise<WorkspaceRecord | undefined>;
  /** The live root key with this id in this workspace. */
  findRootKey(workspaceId: string, rootKeyId: string): Promise<ManagedRootKeyRecord | undefined>;
  /** The workspace of the live root key with this id: for operator commands, which act across workspaces. */
  findRootKeyWorkspace(rootKeyId: string): Promise<string | undefined>;
  /** One page of the workspace's live root keys, ordered by id. */
  listRootKeys(query: PageQuery): Promise<ManagedRootKeyRecord[]>;
  /** Changes what is given and records updatedAt. */
  updateRootKey(rootKeyId: string, patch: { name?: string; permissions?: string[] }, now: number): Promise<void>;
  /** Soft delete: from now on its hash finds nothing. False if the root key was not live. */
  softDeleteRootKey(workspaceId: string, rootKeyId: string, now: number): Promise<boolean>;
  /**
   * Sets the workspace's own API rate limit (requests per minute; null removes it, so the server-wide
   * default applies). False (writing nothing) if the workspace is not live.
   */
  setWorkspaceApiRateLimit(workspaceId: string, limit: number | null): Promise<boolean>;

  // apis
  insertApi(api: ApiRecord): Promise<void>;
  findApi(workspaceId: string, apiId: string): Promise<ApiRecord | undefined>;
  softDeleteApi(workspaceId: string, apiId: string, now: number): Promise<void>;
  /** Writes the settings present; `ipWhitelist: null` removes the whitelist. */
  updateApiSettings(workspaceId: string, apiId: string, settings: ApiSettingsChange, now: number): Promise<void>;

  // identities
  /** Returns the live identity with this externalId, creating it if needed (race-safe). */
  upsertIdentity(workspaceId: string, externalId: string, now: number): Promise<string>;
  findIdentityIdByExternalId(workspaceId: string, externalId: string): Promise<string | undefined>;
  /** Inserts a live identity; false (writing nothing) if a live one already has its externalId (race-safe). */
  insertIdentity(row: { id: string; workspaceId: string; externalId: string; meta: Meta; createdAt: number }): Promise<boolean>;
  /** The live identity with this id, else the one with this externalId. */
  findIdentity(workspaceId: string, idOrExternalId: string): Promise<IdentityRecord | undefined>;
  /** One page of live identities, ordered by id. */
  listIdentities(query: IdentityListQuery): Promise<IdentityRecord[]>;
  /** Replaces meta when given; records updatedAt either way. */
  updateIdentity(identityId: string, patch: { meta?: Meta }, now: number): Promise<void>;
  /** Replaces the identity's limits by name: unlisted ones go, listed ones keep their ids. */
  replaceIdentityRatelimits(workspaceId: string, identityId: string, limits: NewRatelimit[], now: number): Promise<void>;
  /**
   * Soft delete: the identity and its limits vanish from every read, and every key of this workspace linked to it
   * (or to an older copy purged now) is detached (identity_id cleared, updatedAt left alone). Older soft-deleted
   * identities with the same externalId are purged with their limits, so at most one deleted copy per externalId remains.
   */
  softDeleteIdentity(workspaceId: string, identityId: string, now: number): Promise<void>;

  // keys
  insertKey(row: NewKeyRow): Promise<void>;
  findKey(workspaceId: string, keyId: string): Promise<KeyRecord | undefined>;
  /** The verify lookup: one live key of a live API, found by hash, with everything verify needs. */
  findKeyByHash(hash: string): Promise<KeyRecord | undefined>;
  listKeys(query: KeyListQuery): Promise<KeyRecord[]>;
  updateKey(keyId: string, patch: KeyPatch, now: number): Promise<void>;
  /** Replaces the key's limits by name: unlisted ones go, listed ones keep their ids. */
  replaceKeyRatelimits(workspaceId: string, keyId: string, limits: NewRatelimit[], now: number): Promise<void>;
  /** Replaces the key's direct permissions with these slugs, creating missing permissions in the workspace. */
  setKeyPermissions(workspaceId: string, keyId: string, slugs: string[], now: number): Promise<void>;
  /** Replaces the key's roles; returns the names that do not exist (and changes nothing then). */
  setKeyRoles(workspaceId: string, keyId: string, roleNames: string[], now: number): Promise<string[]>;
  /** Adds direct permissions, creating missing ones in the workspace; ones the key already has stay. */
  addKeyPermissions(workspaceId: string, keyId: string, slugs: string[], now: number): Promise<void>;
  /** Detaches these permissions from the key; ones it does not hold are ignored. */
  removeKeyPermissions(keyId: string, permissionIds: string[]): Promise<void>;
  /** Adds roles (ids of the workspace's roles); ones the key already has stay. */
  addKeyRoles(workspaceId: string, keyId: string, roleIds: string[], now: number): Promise<void>;
  /** Detaches these roles from the key; ones it does not hold are ignored. */
  removeKeyRoles(keyId: string, roleIds: string[]): Promise<void>;
  /** Atomic credit change; undefined if the key is gone. Decrement clamps at 0. */
  changeCredits(keyId: string, operation: CreditOperation, value: number): Promise<number | undefined>;
  softDeleteKey(keyId: string, now: number): Promise<void>;
  purgeKey(keyId: string): Promise<void>;
  /** Stores the ciphertext of a recoverable key (one per key). */
  insertEncryptedKey(row: EncryptedKeyRecord): Promise<void>;
  /** The ciphertexts of those of these keys that are recoverable, in this workspace only. */
  findEncryptedKeys(workspaceId: string, keyIds: readonly string[]): Promise<EncryptedKeyRecord[]>;

  // key migrations (keys.migrateKeys, and keys.verifyKey with a migrationId)
  insertKeyMigration(row: KeyMigrationRecord): Promise<void>;
  /** The migration with this id in this workspace. */
  findKeyMigration(workspaceId: string, migrationId: string): Promise<KeyMigrationRecord | undefined>;
  /** The workspace's migrations, oldest first. */
  listKeyMigrations(workspaceId: string): Promise<KeyMigrationRecord[]>;
  /** Those of these hashes some key already has, live or deleted, in any workspace (a hash is unique store-wide). */
  findTakenKeyHashes(hashes: readonly string[]): Promise<string[]>;
  /** Inserts an imported key pending its migration; false (writing nothing) if its hash is taken (race-safe). */
  insertMigratedKey(row: NewKeyRow & { pendingMigrationId: string }): Promise<boolean>;
  /** The live key of a live API in this workspace stored under this hash and still pending this migration. */
  findPendingMigratedKey(workspaceId: string, migrationId: string, hash: string): Promise<PendingMigratedKey | undefined>;
  /**
   * Ends a pending key's migration: moves it from `fromHash` to `hash` with its real start (and prefix, when
   * given), in one statement. `gone` if it is no longer a live pending key under `fromHash` (another
   * verification got there first); `conflict` if another key, even a deleted one, already has `hash`. Call it
   * outside a transaction: the refused statement would abort a PostgreSQL one.
   */
  completeKeyMigration(
    keyId: string, change: { fromHash: string; hash: string; start: string; prefix: string | null }, now: number,
  ): Promise<'completed' | 'gone' | 'conflict'>;

  // permissions and roles
  /** Inserts a permission; false (writing nothing) if the workspace already has its slug (race-safe). */
  insertPermission(row: NewPermission): Promise<boolean>;
  /** The permission with this id, else the one with this slug. */
  findPermission(workspaceId: string, idOrSlug: string): Promise<PermissionRecord | undefined>;
  /** The workspace's permissions with these slugs, ordered by slug; slugs without one are simply absent. */
  findPermissionsBySlug(workspaceId: string, slugs: readonly string[]): Promise<PermissionRecord[]>;
  /** One page ordered by id; `search` matches the id, name, slug or description. */
  listPermissions(query: SearchPageQuery): Promise<PermissionRecord[]>;
  /** Deletes the permission and detaches it from every key and role; false if it was not there. */
  deletePermission(workspaceId: string, permissionId: string): Promise<boolean>;
  /** Inserts a role without permissions; false (writing nothing) if the workspace already has its name (race-safe). */
  insertRole(row: NewRole): Promise<boolean>;
  /** The role with this id, else the one with this name, with its permissions. */
  findRole(workspaceId: string, idOrName: string): Promise<RoleRecord | undefined>;
  /** The workspace's roles with these names, ordered by name, with their permissions; names without one are absent. */
  findRolesByName(workspaceId: string, names: readonly string[]): Promise<RoleRecord[]>;
  /** One page ordered by id, with permissions; `search` matches the id, name or description. */
  listRoles(query: SearchPageQuery): Promise<RoleRecord[]>;
  /** Deletes the role and detaches it from every key; false if it was not there. */
  deleteRole(workspaceId: string, roleId: string): Promise<boolean>;
  /** Replaces the role's permissions with these slugs, creating missing permissions in the workspace; returns them by slug. */
  setRolePermissions(workspaceId: string, roleId: string, slugs: string[], now: number): Promise<PermissionRecord[]>;

  // verify hot path
  /** Spends `cost` credits in one atomic statement; the new balance, or undefined if not enough. */
  spendCredits(keyId: string, cost: number): Promise<number | undefined>;
  readCredits(keyId: string): Promise<number | null | undefined>;
  recordKeyUsage(usage: ReadonlyMap<string, number>): Promise<void>;
  /**
   * Stamps lastUsedAt on root keys (rootKeyId -> time), never moving a time back (nodes flush independently).
   * On the store itself the whole batch is one transaction. Unknown ids change nothing.
   */
  recordRootKeyUsage(usage: ReadonlyMap<string, number>): Promise<void>;
  /** Sets remaining to the refill amount on every key due at `now`; returns how many. */
  refillCredits(now: number): Promise<number>;

  // rate-limit namespaces and overrides
  /**
   * The namespace with this id or name: the live one if there is one, else the most recently deleted
   * one (so callers can tell "gone" from "never existed").
   */
  findRatelimitNamespace(workspaceId: string, idOrName: string): Promise<RatelimitNamespaceRecord | undefined>;
  /** Returns the live namespace with this name, creating it if needed (race-safe); `created` says who did. */
  createRatelimitNamespace(workspaceId: string, name: string, now: number): Promise<{ namespace: RatelimitNamespaceRecord; created: boolean }>;
  listRatelimitNamespaces(query: PageQuery): Promise<RatelimitNamespaceRecord[]>;
  /** Renames a live namespace. On `name_taken` nothing changed, and the transaction must be abandoned (PostgreSQL may have aborted it). */
  renameRatelimitNamespace(workspaceId: string, namespaceId: string, name: string, now: number): Promise<'renamed' | 'name_taken' | 'not_found'>;
  /** False if the namespace was not live. */
  softDeleteRatelimitNamespace(workspaceId: string, namespaceId: string, now: number): Promise<boolean>;
  /**
   * Sets the override for (namespace, identifier), keeping the id of an existing one. Call it inside a
   * transaction: that is what serializes concurrent upserts. Undefined if the namespace is not live.
   */
  upsertRatelimitOverride(row: NewRatelimitOverride, now: number): Promise<{ override: RatelimitOverrideRecord; created: boolean } | undefined>;
  /**
   * The live overrides that could apply to these identifiers: exact matches and every wildcard pattern,
   * in storage (creation) order, which is the order wildcard resolution tries them in.
   */
  findRatelimitOverrideCandidates(workspaceId: string, namespaceId: string, identifiers: readonly string[]): Promise<RatelimitOverrideRecord[]>;
  listRatelimitOverrides(query: PageQuery & { namespaceId: string }): Promise<RatelimitOverrideRecord[]>;
  /** False if the override was not live. */
  softDeleteRatelimitOverride(workspaceId: string, overrideId: string, now: number): Promise<boolean>;

  // audit
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
}

export interface Store extends StoreOps {
  readonly engine: Engine;
  transaction<T>(work: (tx: StoreOps) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}
