import type { IdentityRecord } from './identities.js';
import type { NewRatelimit, RatelimitRecord } from './ratelimits.js';
import type { Meta } from './shared.js';

/** Keys: their lifecycle, their limits, permissions and roles, and the ciphertexts of recoverable ones. */

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
  /** Valid for one successful verification only (docs/decisions/0026-one-time-and-sliding-expiry-keys.md). */
  oneTime: boolean;
  /** When a one-time key's one successful verification happened; null: not yet. */
  consumedAt: number | null;
  /** Sliding expiry: each successful verification moves `expires` to at least then + this many ms; null: fixed expiry. */
  slidingExpiration: number | null;
  /**
   * What credit alerts measure use against (docs/decisions/0027): the refill amount when the key refills, else the
   * credits it was last given; null: no credit alerts.
   */
  creditsBase: number | null;
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
  /** Absent: false. */
  oneTime?: boolean;
  /** Absent: null (a fixed expiry). */
  slidingExpiration?: number | null;
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
  slidingExpiration?: number | null;
}

export interface KeyListQuery {
  workspaceId: string;
  apiId: string;
  identityId?: string;
  /** Keys whose name contains it or whose start begins with it, ignoring case (apis.listKeys `search`). */
  search?: string;
  cursor?: string;
  limit: number;
}

/** The vault's ciphertext of a recoverable key (src/vault); its data key lives in the vault store, never here. */
export interface EncryptedKeyRecord {
  keyId: string;
  workspaceId: string;
  ciphertext: string;
  /** The data key (`dek_...`) that encrypted it. */
  encryptionKeyId: string;
  createdAt: number;
}

export interface KeyOps {
  insertKey(row: NewKeyRow): Promise<void>;
  findKey(workspaceId: string, keyId: string): Promise<KeyRecord | undefined>;
  /**
   * The verify lookup: the workspace's live key of a live API with this hash, with everything verify needs. Hashes
   * are unique per workspace only, and no other workspace's row is read (docs/decisions/0007-keys-stored-as-sha256-hashes.md).
   */
  findKeyByHash(workspaceId: string, hash: string): Promise<KeyRecord | undefined>;
  listKeys(query: KeyListQuery): Promise<KeyRecord[]>;
  /**
   * The hashes of the workspace's keys that are not deleted, in hash order, the first `limit` after `after` (null: from
   * the start): a page of what the unknown-key filter is built from (docs/decisions/0021-unknown-key-flood.md).
   */
  listKeyHashes(workspaceId: string, after: string | null, limit: number): Promise<string[]>;
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
  softDeleteKey(keyId: string, now: number): Promise<void>;
  purgeKey(keyId: string): Promise<void>;
  /** Stores the ciphertext of a recoverable key (one per key). */
  insertEncryptedKey(row: EncryptedKeyRecord): Promise<void>;
  /**
   * The ciphertexts of those of these keys that are recoverable, in this workspace only, and only of live keys of
   * live APIs: a key deleted after the caller read it is not recovered.
   */
  findEncryptedKeys(workspaceId: string, keyIds: readonly string[]): Promise<EncryptedKeyRecord[]>;
}
