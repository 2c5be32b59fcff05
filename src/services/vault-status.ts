import { VaultUnavailableError } from '../vault/errors.js';
import type { Vault, VaultStatus } from '../vault/vault.js';

/** How long the dashboard waits for the vault's answer: a page must not hang on a vault that is away. */
export const VAULT_STATUS_TIMEOUT_MS = 3_000;

export interface VaultStatusReport {
  /** none: no vault configured (recoverable keys answer 412); local: in this process; remote: `keyward vault serve`. */
  mode: 'none' | 'local' | 'remote';
  /** Whether keys.createKey with `recoverable: true` and decryption can work now. */
  recoverableKeys: boolean;
  /** Whether the vault answered just now; absent with no vault. */
  answers?: boolean;
  /** Why it did not answer, in words that carry no secret; absent when it answered. */
  problem?: string;
  /** Version numbers only, never key material; absent when it did not answer (or is a `vault serve` too old to say). */
  masterKeyVersions?: VaultStatus['masterKeyVersions'];
}

/**
 * The vault as the dashboard's Settings page shows it (dashboard.getVaultStatus): asks it for its master key versions,
 * which for a remote vault is the same authenticated call as the start-up check.
 */
export class VaultStatusService {
  constructor(private readonly deps: { vault?: Vault | null }) {}

  async report(): Promise<VaultStatusReport> {
    const vault = this.deps.vault ?? null;
    if (vault === null) return { mode: 'none', recoverableKeys: false };
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new VaultUnavailableError('the vault did not answer in time')), VAULT_STATUS_TIMEOUT_MS);
    });
    try {
      const status = await Promise.race([vault.status(), timeout]);
      return {
        mode: vault.kind,
        recoverableKeys: true,
        answers: true,
        ...(status.masterKeyVersions ? { masterKeyVersions: status.masterKeyVersions } : {}),
      };
    } catch (error) {
      // VaultUnavailableError's messages are Keyward's own and name no secret; anything else (the vault store's driver)
      // is not ours to vouch for.
      const problem = error instanceof VaultUnavailableError ? error.message : 'the vault store did not answer';
      return { mode: vault.kind, recoverableKeys: false, answers: false, problem };
    } finally {
      clearTimeout(timer);
    }
  }
}
