/**
 * The vault store: where wrapped data keys live, apart from the main database (a SQLite file of its
 * own, or a database of its own). It never holds an unwrapped data key, a master key or a plaintext.
 */

export interface WrappedDek {
  id: string;
  workspaceId: string;
  /** Standard base64 of the sealed data key (nonce | encrypted 32 bytes | tag) under master key `masterVersion`. */
  wrapped: string;
  masterVersion: number;
  /** Encryptions claimed so far. */
  encryptions: number;
  createdAt: number;
  /** Set once the key has done its share of encryptions; it still decrypts what it encrypted. */
  retiredAt: number | null;
}

export interface NewDek {
  id: string;
  workspaceId: string;
  wrapped: string;
  masterVersion: number;
  createdAt: number;
}

export interface VaultStore {
  readonly engine: 'sqlite' | 'postgres';
  findDek(dekId: string): Promise<WrappedDek | undefined>;
  /** The workspace's data key that is not retired, if it has one. */
  findActiveDek(workspaceId: string): Promise<WrappedDek | undefined>;
  /** Inserts the workspace's active data key; false (writing nothing) if it already has one (race-safe). */
  insertActiveDek(dek: NewDek): Promise<boolean>;
  /** Counts one encryption against a live data key, atomically; false if it is retired or has done `max`. */
  claimEncryption(dekId: string, max: number): Promise<boolean>;
  retireDek(dekId: string, now: number): Promise<void>;
  /** Every master key version some data key is wrapped by, ascending. */
  masterVersionsInUse(): Promise<number[]>;
  /** Up to `limit` data keys wrapped by `version`, oldest first. */
  sampleDeks(version: number, limit: number): Promise<WrappedDek[]>;
  countDeksNotWrappedBy(version: number): Promise<number>;
  /** Data keys wrapped by any other version, ordered by id, after `afterId`. */
  listDeksNotWrappedBy(version: number, afterId: string | undefined, limit: number): Promise<WrappedDek[]>;
  /** Replaces the wrapping if it is still `from` (compare-and-set); false if something else changed it first. */
  rewrapDek(
    dekId: string,
    from: { masterVersion: number; wrapped: string },
    to: { masterVersion: number; wrapped: string },
    now: number,
  ): Promise<boolean>;
  close(): Promise<void>;
}
