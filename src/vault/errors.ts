/**
 * The vault's failures. Every failure to decrypt, whatever the cause (a flipped bit, a truncated or
 * short tag, a ciphertext moved to another key or workspace, an unknown or foreign data key, a master
 * key that does not unwrap), is the same VaultDecryptError with the same message: nothing in it tells
 * an attacker which check failed. Operators learn the cause from the vault's own log lines instead.
 */
export class VaultDecryptError extends Error {
  constructor() {
    super('decryption failed');
    this.name = 'VaultDecryptError';
  }
}

/** The vault cannot be used as configured (a master key version is missing, a store cannot be opened...): fails closed, clearly. */
export class VaultConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultConfigError';
  }
}

/** A remote vault did not answer usably (unreachable, refused the token, a malformed answer). Never carries a secret. */
export class VaultUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'VaultUnavailableError';
  }
}
