import type { Vault } from '../../vault/vault.js';

/**
 * TOTP secrets at rest (docs/decisions/0015-operators-and-mfa.md). With a vault, a secret is envelope-encrypted like a
 * recoverable key, bound to its operator (a secret copied to another operator's row does not open), under a vault
 * scope of its own rather than a workspace's, since operators belong to no one workspace. Without a vault it is
 * stored as it is, marked so: a reader of the database then learns the secret, but still lacks the password
 * (argon2id). The prefix says which, so configuring a vault later leaves enrolled operators working.
 */
export const OPERATOR_VAULT_SCOPE = 'keyward_operators';

const VAULT = 'vault:';
const PLAIN = 'plain:';

export class TotpSecrets {
  constructor(private readonly vault: Vault | null) {}

  async seal(operatorId: string, secret: string): Promise<string> {
    if (!this.vault) return PLAIN + secret;
    const { ciphertext } = await this.vault.encrypt({ workspaceId: OPERATOR_VAULT_SCOPE, keyId: operatorId, plaintext: secret });
    return VAULT + ciphertext;
  }

  async open(operatorId: string, sealed: string): Promise<string> {
    if (sealed.startsWith(PLAIN)) return sealed.slice(PLAIN.length);
    if (sealed.startsWith(VAULT) && this.vault) {
      return this.vault.decrypt({ workspaceId: OPERATOR_VAULT_SCOPE, keyId: operatorId, ciphertext: sealed.slice(VAULT.length) });
    }
    // Fail closed: a vault-sealed secret without the vault cannot be checked, so no code is accepted.
    throw new Error('this TOTP secret was sealed by a vault that is not configured');
  }
}
