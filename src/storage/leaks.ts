/**
 * Leak reports (migration 0011, docs/decisions/0018-leak-reports.md): the leaks recorded against keys, the one lookup
 * of keys by hash across workspaces a report needs, and the digests of recent reports that refuse a replay.
 */

/** What a recorded leak did to its key: disabled it (the API's `leakPolicy` "disable") or only recorded it ("report"). */
export type LeakAction = 'disabled' | 'reported';

export interface KeyLeakRecord {
  id: string;
  workspaceId: string;
  keyId: string;
  reportedAt: number;
  /** The key identifier of the public key that signed the report. */
  reporter: string;
  /** The report's `type`: the token pattern the scanner matched. */
  tokenType: string;
  /** Where the token was found, as the report says; null when it says nothing. */
  url: string | null;
  /** The kind of place it was found in (`content`, `commit`, `npm`...); null when the report says nothing. */
  source: string | null;
  action: LeakAction;
}

/** A live key of a live API whose hash a report named, with what deciding its fate needs. */
export interface LeakedKeyMatch {
  workspaceId: string;
  keyId: string;
  /** Its API's `leakPolicy`. */
  leakPolicy: 'disable' | 'report';
}

export interface LeakOps {
  /**
   * Every live key of a live API with this hash, in any workspace (ordered by workspace, then key id). Only leak
   * reports call it: their reporter names a token, never a workspace (every other lookup by hash names one, record 0007).
   */
  findLeakedKeys(hash: string): Promise<LeakedKeyMatch[]>;
  insertKeyLeak(leak: KeyLeakRecord): Promise<void>;
  /** The key's recorded leaks, newest first, at most `limit`; another workspace's key has none. */
  listKeyLeaks(workspaceId: string, keyId: string, limit: number): Promise<KeyLeakRecord[]>;
  /**
   * Records a report's digest unless it is already there: true when this call recorded it (the report is new), false
   * when it was seen before. Exact across nodes: the digest is the primary key.
   */
  claimLeakReport(digest: string, seenAt: number): Promise<boolean>;
  /** Forgets a claimed digest (its report failed before it changed anything, so a retry must be accepted). */
  releaseLeakReport(digest: string): Promise<void>;
  /** Deletes digests seen before `before`; the count deleted. */
  pruneLeakReports(before: number): Promise<number>;
}
