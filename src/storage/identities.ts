import type { RatelimitRecord, NewRatelimit } from './ratelimits.js';
import type { Meta } from './shared.js';

/** Identities: the owners of keys, with their own rate limits. */

export interface IdentityRecord {
  id: string;
  externalId: string;
  meta: Meta | null;
  ratelimits: RatelimitRecord[];
}

export interface IdentityListQuery {
  workspaceId: string;
  /** Case-insensitive substring of the id or the externalId (matched literally: `%` and `_` are not wildcards). */
  search?: string;
  /** Identities with ids after this one. */
  cursor?: string;
  limit: number;
}

export interface IdentityOps {
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
}
