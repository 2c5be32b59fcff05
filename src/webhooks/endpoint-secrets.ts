import type { Store } from '../storage/store.js';
import type { Vault } from '../vault/vault.js';
import { SECRET_PREFIX } from './standard-webhooks.js';

/**
 * Webhook endpoint secrets at rest (docs/decisions/0030-webhook-secrets-sealed-by-the-vault.md). With a vault, the
 * `webhook_endpoints.secret` column holds the vault's ciphertext of the secret, bound to (workspace, endpoint id) as a
 * recoverable key's is to (workspace, key id): endpoint ids (`whep_`) and key ids (`key_`) never coincide, so neither
 * ciphertext opens as the other. Without a vault it holds the secret itself (`whsec_...`), as before 0030; a stored
 * value is told apart by that prefix, which the vault's ciphertexts (`kw1.`) never have.
 */

export interface EndpointRef {
  workspaceId: string;
  endpointId: string;
}

/** Whether a stored value is the secret itself, not sealed. */
export const isPlaintextSecret = (stored: string): boolean => stored.startsWith(SECRET_PREFIX);

/** What to store for a new secret: sealed by the vault when there is one (call it before the transaction: decision 0005). */
export async function sealEndpointSecret(vault: Vault | null, endpoint: EndpointRef, secret: string): Promise<string> {
  if (vault === null) return secret;
  const { ciphertext } = await vault.encrypt({ workspaceId: endpoint.workspaceId, keyId: endpoint.endpointId, plaintext: secret });
  return ciphertext;
}

/** A sealed secret with no vault to open it: the node was started without the vault the secret was sealed by. */
export class SecretSealedWithoutVaultError extends Error {
  constructor() {
    super('the endpoint secret is sealed by the vault, and this node has no vault configured');
    this.name = 'SecretSealedWithoutVaultError';
  }
}

/** The secret to sign with, opened just for that; rejects (VaultDecryptError, or the error above) when it cannot be. */
export async function openEndpointSecret(vault: Vault | null, endpoint: EndpointRef, stored: string): Promise<string> {
  if (isPlaintextSecret(stored)) return stored;
  if (vault === null) throw new SecretSealedWithoutVaultError();
  return vault.decrypt({ workspaceId: endpoint.workspaceId, keyId: endpoint.endpointId, ciphertext: stored });
}

/** Endpoints sealed per batch: one vault call and one conditional UPDATE each. */
const SEAL_BATCH = 100;

/**
 * Seals every secret stored unsealed (made before the vault was configured, or by a node without it), a batch at a time
 * until none is left; each row is replaced only if it still holds what was read. Returns how many were sealed.
 */
export async function sealPlaintextWebhookSecrets(
  store: Pick<Store, 'listPlaintextWebhookSecrets' | 'sealWebhookSecret'>,
  vault: Vault,
): Promise<number> {
  let sealed = 0;
  for (;;) {
    const batch = await store.listPlaintextWebhookSecrets(SEAL_BATCH);
    for (const { workspaceId, endpointId, secret } of batch) {
      const stored = await sealEndpointSecret(vault, { workspaceId, endpointId }, secret);
      if (await store.sealWebhookSecret(endpointId, secret, stored)) sealed++;
    }
    if (batch.length < SEAL_BATCH) return sealed;
  }
}
