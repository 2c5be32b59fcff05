import { KeywardError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { generateKey, hashKey, type NewKey } from '../../core/key-format.js';
import { eitherScope } from '../../core/permissions.js';
import type { KeyRecord } from '../../storage/store.js';
import { VaultDecryptError } from '../../vault/errors.js';
import type { Vault } from '../../vault/vault.js';
import { auditEntry } from '../audit.js';
import type { RequestContext } from '../context.js';
import type { ServiceDeps } from '../deps.js';
import { authorizedKey, keyResources } from './change.js';
import type { CreateKeyInput } from './input.js';
import { requirePermission } from '../authorization.js';
import { apiNotFound, keyNotFound } from '../not-found.js';

/** Upstream's 412 when a recoverable key is asked of a server without a vault (neither KEYWARD_MASTER_KEYS nor KEYWARD_VAULT_URL). */
export const noVault = () =>
  new KeywardError(
    'precondition_failed',
    'Recoverable keys need a vault: this server has no KEYWARD_MASTER_KEYS (or KEYWARD_VAULT_URL) configured.',
  );

/** Upstream's 412 for an API (keyspace) that does not store encrypted keys. */
export const notStoringEncryptedKeys = (apiId: string) =>
  new KeywardError(
    'precondition_failed',
    `The API '${apiId}' does not store encrypted keys: turn on \`storeEncryptedKeys\` with apiSettings.updateSettings first.`,
  );

/** Every failure to decrypt answers alike: nothing tells the caller which check failed (the server log says which key). */
export const undecryptable = () =>
  new KeywardError('unexpected_error', 'The key could not be decrypted; the request id identifies the failure in the server log.');

/** A new key already encrypted by the vault, ready to be stored with its ciphertext. */
export interface SealedKey {
  key: NewKey;
  keyId: string;
  ciphertext: string;
  dekId: string;
}

/** Recoverable keys: sealing a new key with the vault before it is stored, and reading plaintexts back (audited). */
export class RecoverableKeys {
  constructor(private readonly deps: ServiceDeps) {}

  requireVault(): Vault {
    if (!this.deps.vault) throw noVault();
    return this.deps.vault;
  }

  /**
   * For a recoverable key (create): the API must store encrypted keys (else 412) and the server have a vault
   * (else 412); the new key and its id are made here so the vault binds the ciphertext to that id.
   */
  async sealNewKey(ctx: RequestContext, input: CreateKeyInput, now: number): Promise<SealedKey> {
    const api = await this.deps.store.findApi(ctx.workspaceId, input.apiId);
    if (!api) throw apiNotFound();
    if (!api.storeEncryptedKeys) throw notStoringEncryptedKeys(api.id);
    const vault = this.requireVault();
    const key = generateKey(input.byteLength ?? api.defaultByteLength ?? 16, input.prefix ?? api.defaultPrefix, api.keyFormat);
    const keyId = newId('key', now);
    const { ciphertext, dekId } = await vault.encrypt({ workspaceId: ctx.workspaceId, keyId, plaintext: key.plaintext });
    return { key, keyId, ciphertext, dekId };
  }

  /** For rerolling a recoverable key: its successor, encrypted (needs encrypt_key, else 403; a vault and the API setting, else 412). */
  async sealReroll(ctx: RequestContext, keyId: string): Promise<SealedKey | undefined> {
    const { store } = this.deps;
    const old = await authorizedKey(store, ctx, keyId, 'create_key');
    if ((await store.findEncryptedKeys(ctx.workspaceId, [old.id])).length === 0) return undefined;
    requirePermission(ctx, eitherScope('api', old.apiId, 'encrypt_key'));
    const api = await store.findApi(ctx.workspaceId, old.apiId);
    if (!api) throw keyNotFound(keyId);
    if (!api.storeEncryptedKeys) throw notStoringEncryptedKeys(api.id);
    const vault = this.requireVault();
    const now = this.deps.clock.now();
    const key = generateKey(api.defaultByteLength ?? 16, old.prefix ?? api.defaultPrefix, api.keyFormat);
    const newKeyId = newId('key', now);
    const { ciphertext, dekId } = await vault.encrypt({ workspaceId: ctx.workspaceId, keyId: newKeyId, plaintext: key.plaintext });
    return { key, keyId: newKeyId, ciphertext, dekId };
  }

  /**
   * Decrypts the recoverable ones among `keys` (the others have no ciphertext and are skipped). Every
   * plaintext is audited (`key.decrypt`: who read which key, when, from where) in a transaction of its own,
   * committed before any plaintext is handed back: no read without its record. Failures are counted and
   * logged once per call, by key id and reason (never a secret: vault errors carry none).
   */
  async decryptKeys(ctx: RequestContext, vault: Vault, keys: KeyRecord[]): Promise<{ plaintexts: Map<string, string>; failed: number }> {
    const rows = await this.deps.store.findEncryptedKeys(
      ctx.workspaceId,
      keys.map((key) => key.id),
    );
    const ciphertexts = new Map(rows.map((row) => [row.keyId, row.ciphertext]));
    const recoverable = keys.filter((key) => ciphertexts.has(key.id));
    const plaintexts = new Map<string, string>();
    const failures: { keyId: string; reason: string }[] = [];
    // A few at a time: a remote vault gets a handful of concurrent calls, not a page's worth.
    const queue = [...recoverable];
    const worker = async () => {
      for (let key = queue.shift(); key; key = queue.shift()) {
        try {
          const plaintext = await vault.decrypt({ workspaceId: ctx.workspaceId, keyId: key.id, ciphertext: ciphertexts.get(key.id)! });
          // Belt and braces: what comes back must be the very key whose hash we hold.
          if (hashKey(plaintext) !== key.hash) throw new VaultDecryptError();
          plaintexts.set(key.id, plaintext);
        } catch (error) {
          failures.push({ keyId: key.id, reason: error instanceof Error ? `${error.name}: ${error.message}` : 'unknown' });
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(8, recoverable.length) }, worker));
    if (failures.length > 0) this.deps.logger.warn({ failures }, 'recoverable keys could not be decrypted');
    if (plaintexts.size > 0) {
      const now = this.deps.clock.now();
      await this.deps.store.transaction(async (tx) => {
        for (const key of keys) {
          if (!plaintexts.has(key.id)) continue;
          await tx.appendAudit(auditEntry(ctx, now, 'key.decrypt', `Read the plaintext of key ${key.id}`, keyResources(key)));
        }
      });
    }
    return { plaintexts, failed: failures.length };
  }
}
