/** The audit log: one record per mutation, written in the mutation's transaction. */

import type { ChainFields } from '../core/audit-chain.js';

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
  actor: { type: 'root_key' | 'system' | 'user' | 'operator'; id: string; name?: string | null };
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
  /** Oldest first (`asc`, the default) or newest first (`desc`), by id (ids are time-ordered). */
  order?: 'asc' | 'desc';
  /** Records that come after this one in `order`: ids after it, or before it when newest first. */
  cursor?: string;
  limit: number;
}

/** An audit record as stored (the fields its chain hash covers), with its place in its workspace's chain. */
export interface StoredAuditRecord extends ChainFields {
  /** 1 for a workspace's first record; null only for a record written past Keyward (none should be). */
  chainSeq: number | null;
  chainHash: string | null;
}

/** Where a workspace's chain ends: the last record's position, hash and id (what a deleted tail is checked against). */
export interface AuditChainHead {
  workspaceId: string;
  seq: number;
  hash: string;
  lastId: string | null;
}

export interface AuditOps {
  /**
   * Appends a record to its workspace's chain. Inside a transaction the store writes it when the work is done,
   * just before commit, so the workspace's chain head is locked for the shortest time and always last (no lock
   * order to deadlock on); outside one it runs in a transaction of its own.
   */
  appendAudit(entry: AuditEntry): Promise<void>;
  listAudit(query: AuditQuery): Promise<AuditEntry[]>;
  /** A workspace's chained records with a position after `afterSeq`, by position, at most `limit`. */
  listAuditChain(workspaceId: string, afterSeq: number, limit: number): Promise<StoredAuditRecord[]>;
  /** The id of a record of the workspace that has no chain position, if any (each one is a forgery or damage). */
  findUnchainedAudit(workspaceId: string): Promise<string | undefined>;
  findAuditChainHead(workspaceId: string): Promise<AuditChainHead | undefined>;
  /** Every workspace with an audit record or a chain head, in id order. */
  listAuditedWorkspaces(): Promise<string[]>;
}
