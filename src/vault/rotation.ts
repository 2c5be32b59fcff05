import { unwrapDek, wrapDek } from './local.js';
import type { MasterKeyring } from './master-keys.js';
import type { VaultStore } from './store.js';

/**
 * Master-key rotation: re-wraps every data key under the newest configured master key. Only the
 * wrapping changes: the data keys themselves, and so every ciphertext in the main database, stay as they
 * are, which is why servers keep serving throughout (each data key is updated by one compare-and-set
 * statement; a reader sees either wrapping, and both unwrap while both versions are configured).
 * Afterwards no data key uses an older version, and those versions can be removed from KEYWARD_MASTER_KEYS.
 */

export interface RotationReport {
  /** The version everything is now wrapped by. */
  version: number;
  rewrapped: number;
  /** Data keys that did not unwrap (tampered with, or wrapped by a version that is not configured): left as they were. */
  failed: string[];
  /** Versions still used by some data key afterwards (only the newest, unless something failed). */
  versionsInUse: number[];
}

export interface RotationOptions {
  now?: () => number;
  /** Called with (done, total) as data keys are re-wrapped; total grows if keys are created meanwhile under an older version. */
  onProgress?: (done: number, total: number) => void;
  batchSize?: number;
  /**
   * Awaited after each batch, where the rotation holds no lock on the vault store (every statement above is its
   * own transaction): the one place it may pause (`keyward vault rotate` on SIGTSTP, src/cli/vault.ts).
   */
  betweenBatches?: () => Promise<void>;
}

export async function rewrapAll(store: VaultStore, keyring: MasterKeyring, options: RotationOptions = {}): Promise<RotationReport> {
  const now = options.now ?? Date.now;
  const batchSize = options.batchSize ?? 100;
  const target = keyring.newest;
  const failed = new Set<string>();
  let done = 0;
  /** Re-wrapped or failed: what the progress bar counts. */
  let processed = 0;
  let total = await store.countDeksNotWrappedBy(target.version);
  options.onProgress?.(0, total);
  // Passes repeat while data keys appear under an older version (made by a node that lacked the newest
  // master key); a bounded number of them, so a misconfigured node cannot keep this running forever.
  for (let pass = 0; pass < 10; pass++) {
    let cursor: string | undefined;
    let seen = 0;
    for (;;) {
      const batch = await store.listDeksNotWrappedBy(target.version, cursor, batchSize);
      if (batch.length === 0) break;
      for (const dek of batch) {
        cursor = dek.id;
        if (failed.has(dek.id)) continue;
        seen++;
        let key: Buffer;
        try {
          key = unwrapDek(dek, keyring);
        } catch {
          failed.add(dek.id);
          processed++;
          options.onProgress?.(processed, Math.max(total, processed));
          continue;
        }
        try {
          const wrapped = wrapDek(key, dek.workspaceId, dek.id, target);
          // A concurrent rotation may have re-wrapped it first; then there is nothing left to do for it.
          await store.rewrapDek(
            dek.id,
            { masterVersion: dek.masterVersion, wrapped: dek.wrapped },
            { masterVersion: target.version, wrapped },
            now(),
          );
        } finally {
          key.fill(0);
        }
        done++;
        processed++;
        if (processed > total) total = processed;
        options.onProgress?.(processed, total);
      }
      await options.betweenBatches?.();
    }
    const left = (await store.countDeksNotWrappedBy(target.version)) - failed.size;
    if (seen === 0 || left <= 0) break;
    total = processed + left;
  }
  options.onProgress?.(processed, processed);
  return { version: target.version, rewrapped: done, failed: [...failed], versionsInUse: await store.masterVersionsInUse() };
}
