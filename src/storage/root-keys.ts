import type { RootKeyEnvironment } from '../core/root-key-environments.js';
import type { PageQuery } from './shared.js';

/** Root keys: the credentials of the admin API. */

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
  /** Set once the root key was rerolled: from this instant it answers like an unknown root key. */
  retiresAt: number | null;
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
  /** The label it was created with (also in its prefix); null for unlabelled keys, every one made before labels. */
  environment: RootKeyEnvironment | null;
  retiresAt: number | null;
}

export interface RootKeyOps {
  /** A new root key has been neither updated nor used. */
  insertRootKey(
    row: Omit<ManagedRootKeyRecord, 'updatedAt' | 'lastUsedAt' | 'environment' | 'retiresAt'> & { environment?: RootKeyEnvironment | null },
  ): Promise<void>;
  findRootKeyByHash(hash: string): Promise<RootKeyRecord | undefined>;
  /** The live root key with this id in this workspace. */
  findRootKey(workspaceId: string, rootKeyId: string): Promise<ManagedRootKeyRecord | undefined>;
  /** The workspace of the live root key with this id: for operator commands, which act across workspaces. */
  findRootKeyWorkspace(rootKeyId: string): Promise<string | undefined>;
  /** One page of the workspace's live root keys, ordered by id; given `now`, without those retired by then. */
  listRootKeys(query: PageQuery & { now?: number }): Promise<ManagedRootKeyRecord[]>;
  /** Changes what is given and records updatedAt. */
  updateRootKey(rootKeyId: string, patch: { name?: string; permissions?: string[] }, now: number): Promise<void>;
  /** Sets when a rerolled root key stops working. False if it was not live or already retiring (its first end stands). */
  retireRootKey(rootKeyId: string, at: number): Promise<boolean>;
  /** Soft delete: from now on its hash finds nothing. False if the root key was not live. */
  softDeleteRootKey(workspaceId: string, rootKeyId: string, now: number): Promise<boolean>;
}
