import type { PageQuery } from './shared.js';

/** Rate limits: the limits attached to keys and identities, and the namespaces and overrides of ratelimit.limit. */

export interface RatelimitRecord {
  id: string;
  name: string;
  limit: number;
  duration: number;
  autoApply: boolean;
}

export interface NewRatelimit {
  id: string;
  name: string;
  limit: number;
  duration: number;
  autoApply: boolean;
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

export interface RatelimitOps {
  /**
   * The namespace with this id or name: the live one if there is one, else the most recently deleted
   * one (so callers can tell "gone" from "never existed").
   */
  findRatelimitNamespace(workspaceId: string, idOrName: string): Promise<RatelimitNamespaceRecord | undefined>;
  /** Returns the live namespace with this name, creating it if needed (race-safe); `created` says who did. */
  createRatelimitNamespace(
    workspaceId: string,
    name: string,
    now: number,
  ): Promise<{ namespace: RatelimitNamespaceRecord; created: boolean }>;
  listRatelimitNamespaces(query: PageQuery): Promise<RatelimitNamespaceRecord[]>;
  /** Renames a live namespace. On `name_taken` nothing changed, and the transaction must be abandoned (PostgreSQL may have aborted it). */
  renameRatelimitNamespace(
    workspaceId: string,
    namespaceId: string,
    name: string,
    now: number,
  ): Promise<'renamed' | 'name_taken' | 'not_found'>;
  /** False if the namespace was not live. */
  softDeleteRatelimitNamespace(workspaceId: string, namespaceId: string, now: number): Promise<boolean>;
  /**
   * Sets the override for (namespace, identifier), keeping the id of an existing one. Call it inside a
   * transaction: that is what serializes concurrent upserts. Undefined if the namespace is not live.
   */
  upsertRatelimitOverride(
    row: NewRatelimitOverride,
    now: number,
  ): Promise<{ override: RatelimitOverrideRecord; created: boolean } | undefined>;
  /**
   * The live overrides that could apply to these identifiers: exact matches and every wildcard pattern,
   * in storage (creation) order, which is the order wildcard resolution tries them in.
   */
  findRatelimitOverrideCandidates(
    workspaceId: string,
    namespaceId: string,
    identifiers: readonly string[],
  ): Promise<RatelimitOverrideRecord[]>;
  listRatelimitOverrides(query: PageQuery & { namespaceId: string }): Promise<RatelimitOverrideRecord[]>;
  /** False if the override was not live. */
  softDeleteRatelimitOverride(workspaceId: string, overrideId: string, now: number): Promise<boolean>;
}
