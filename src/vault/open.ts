import { readFileSync } from 'node:fs';
import type { Config } from '../config.js';
import { LocalVault, type VaultLogger } from './local.js';
import { MasterKeyring } from './master-keys.js';
import { RemoteVault } from './remote.js';
import { openVaultStore } from '../storage/open-configured.js';
import type { Vault } from './vault.js';

type VaultSettings = Pick<Config, 'masterKeys' | 'vaultDatabaseUrl' | 'vaultUrl' | 'vaultToken' | 'vaultCaFile' | 'vaultDekMaxEncryptions'>;

/**
 * The vault this configuration asks for: remote with KEYWARD_VAULT_URL, local with KEYWARD_MASTER_KEYS,
 * otherwise none (recoverable keys then answer 412). A local vault checks its master keys against its
 * store first and refuses to open, with a clear error, when they cannot unwrap it.
 */
export async function openVault(
  config: Readonly<VaultSettings>,
  options: { logger?: VaultLogger; now?: () => number } = {},
): Promise<Vault | null> {
  if (config.vaultUrl !== null) {
    return new RemoteVault({
      url: config.vaultUrl,
      token: config.vaultToken ?? '',
      ...(config.vaultCaFile ? { ca: readFileSync(config.vaultCaFile) } : {}),
    });
  }
  if (config.masterKeys.length === 0) return null;
  return openLocalVault(config, options);
}

/** The vault in this process, over the configured vault store. */
export async function openLocalVault(
  config: Readonly<VaultSettings>,
  options: { logger?: VaultLogger; now?: () => number } = {},
): Promise<LocalVault> {
  const keyring = new MasterKeyring(config.masterKeys);
  const store = await openVaultStore(config);
  try {
    return await LocalVault.open({
      store,
      keyring,
      maxEncryptionsPerDek: config.vaultDekMaxEncryptions,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  } catch (error) {
    await store.close();
    throw error;
  }
}
