import { randomBytes } from 'node:crypto';
import { open, seal, KEY_BYTES } from './aead.js';
import { VaultConfigError, VaultDecryptError } from './errors.js';
import type { MasterKeyring } from './master-keys.js';
import type { VaultStore, WrappedDek } from './store.js';
import {
  DEFAULT_DEK_MAX_ENCRYPTIONS,
  MAX_PLAINTEXT_CHARS,
  dekAad,
  formatCiphertext,
  keyAad,
  parseCiphertext,
  type DecryptRequest,
  type Encrypted,
  type EncryptRequest,
  type Vault,
  type VaultStatus,
} from './vault.js';

/**
 * The vault in this process: data keys from the vault store, unwrapped with the configured master keys.
 * Unwrapped data keys live only in this process's memory (a bounded cache), never in a store or a log.
 */

export interface VaultLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface LocalVaultOptions {
  store: VaultStore;
  keyring: MasterKeyring;
  /** Encryptions per data key before it is retired (default 2^24). */
  maxEncryptionsPerDek?: number;
  now?: () => number;
  /** Operator-facing reasons (a master key version that is missing); never a secret. */
  logger?: VaultLogger;
  /** Unwrapped data keys kept in memory. */
  cacheSize?: number;
}

/** `dek_` + time (base36, so ids sort by creation) + 64 random bits. */
export function newDekId(now: number): string {
  return `dek_${now.toString(36).padStart(9, '0')}${randomBytes(8).toString('hex')}`;
}

/** Wraps a data key under a master key, bound to its workspace, id and the master key's version. */
export function wrapDek(key: Uint8Array, workspaceId: string, dekId: string, master: { version: number; key: Uint8Array }): string {
  return seal(master.key, key, dekAad(workspaceId, dekId, master.version)).toString('base64');
}

/** The data key's bytes; VaultDecryptError if its master key version is not configured or the wrapping does not authenticate. */
export function unwrapDek(dek: WrappedDek, keyring: MasterKeyring, logger?: VaultLogger): Buffer {
  const master = keyring.get(dek.masterVersion);
  if (!master) {
    logger?.warn(
      { dekId: dek.id, masterVersion: dek.masterVersion },
      `vault: data key ${dek.id} is wrapped by master key version ${dek.masterVersion}, which KEYWARD_MASTER_KEYS does not hold`,
    );
    throw new VaultDecryptError();
  }
  const sealed = Buffer.from(dek.wrapped, 'base64');
  if (sealed.toString('base64') !== dek.wrapped) throw new VaultDecryptError();
  const key = open(master, sealed, dekAad(dek.workspaceId, dek.id, dek.masterVersion));
  if (key.length !== KEY_BYTES) {
    key.fill(0);
    throw new VaultDecryptError();
  }
  return key;
}

/**
 * Fails closed, at start, when the configured master keys cannot unwrap what the store holds: a version
 * the store uses is not configured (typically the newest one after a rotation), or a configured version
 * unwraps none of the data keys it supposedly wraps (the wrong key under that version).
 */
export async function checkVaultStore(store: VaultStore, keyring: MasterKeyring): Promise<void> {
  const inUse = await store.masterVersionsInUse();
  const missing = inUse.filter((version) => keyring.get(version) === undefined);
  if (missing.length > 0) {
    throw new VaultConfigError(
      `The vault store holds data keys wrapped by master key version${missing.length > 1 ? 's' : ''} ${missing.join(', ')}, ` +
        `which KEYWARD_MASTER_KEYS does not hold (it has ${keyring.versions().join(', ')}); those recoverable keys cannot be decrypted. ` +
        'Put the missing version(s) back into KEYWARD_MASTER_KEYS. Retire a version only after `keyward vault rotate` has re-wrapped everything under the newest.',
    );
  }
  for (const version of inUse) {
    const sample = await store.sampleDeks(version, 3);
    const unwraps = sample.some((dek) => {
      try {
        unwrapDek(dek, keyring).fill(0);
        return true;
      } catch {
        return false;
      }
    });
    if (sample.length > 0 && !unwraps) {
      throw new VaultConfigError(
        `Master key version ${version} in KEYWARD_MASTER_KEYS does not unwrap the vault store's data keys for that version: ` +
          'it is not the key they were wrapped with. Check the value configured for that version.',
      );
    }
  }
}

export class LocalVault implements Vault {
  readonly kind = 'local' as const;
  private readonly maxEncryptions: number;
  private readonly now: () => number;
  private readonly cacheSize: number;
  /** dekId -> its workspace and unwrapped bytes; insertion order is the eviction order. */
  private readonly deks = new Map<string, { workspaceId: string; key: Buffer }>();
  /** workspaceId -> the data key this process last encrypted with. */
  private readonly active = new Map<string, string>();

  private constructor(private readonly options: LocalVaultOptions) {
    this.maxEncryptions = options.maxEncryptionsPerDek ?? DEFAULT_DEK_MAX_ENCRYPTIONS;
    this.now = options.now ?? Date.now;
    this.cacheSize = options.cacheSize ?? 10_000;
  }

  /** Checks the master keys against the store (checkVaultStore) before serving anything. */
  static async open(options: LocalVaultOptions): Promise<LocalVault> {
    await checkVaultStore(options.store, options.keyring);
    return new LocalVault(options);
  }

  async encrypt(request: EncryptRequest): Promise<Encrypted> {
    if (request.plaintext.length > MAX_PLAINTEXT_CHARS)
      throw new RangeError(`the vault encrypts at most ${MAX_PLAINTEXT_CHARS} characters`);
    const dek = await this.claimDek(request.workspaceId);
    const plaintext = Buffer.from(request.plaintext, 'utf8');
    try {
      const sealed = seal(dek.key, plaintext, keyAad(request.workspaceId, request.keyId, dek.id));
      return { ciphertext: formatCiphertext(dek.id, sealed), dekId: dek.id };
    } finally {
      plaintext.fill(0);
    }
  }

  async decrypt(request: DecryptRequest): Promise<string> {
    const { dekId, sealed } = parseCiphertext(request.ciphertext);
    const key = await this.dekKey(dekId, request.workspaceId);
    const plaintext = open(key, sealed, keyAad(request.workspaceId, request.keyId, dekId));
    try {
      return plaintext.toString('utf8');
    } finally {
      plaintext.fill(0);
    }
  }

  /** Opening already checked the master keys against the store. */
  async check(): Promise<void> {}

  async status(): Promise<VaultStatus> {
    return {
      masterKeyVersions: { configured: this.options.keyring.versions(), inUse: await this.options.store.masterVersionsInUse() },
    };
  }

  async close(): Promise<void> {
    for (const { key } of this.deks.values()) key.fill(0);
    this.deks.clear();
    await this.options.store.close();
  }

  /** The workspace's active data key with one encryption counted against it; retires exhausted ones and makes the next. */
  private async claimDek(workspaceId: string): Promise<{ id: string; key: Buffer }> {
    const { store } = this.options;
    // Each round either succeeds or retires a key / loses a creation race; a few rounds suffice even under contention.
    for (let round = 0; round < 100; round++) {
      const cachedId = this.active.get(workspaceId);
      const row = cachedId === undefined ? await store.findActiveDek(workspaceId) : undefined;
      const dekId = cachedId ?? row?.id ?? (await this.createDek(workspaceId));
      if (dekId === undefined) continue; // another node or request created it first: read it next round
      if (await store.claimEncryption(dekId, this.maxEncryptions)) {
        this.active.set(workspaceId, dekId);
        return { id: dekId, key: await this.dekKey(dekId, workspaceId, row) };
      }
      this.active.delete(workspaceId);
      await store.retireDek(dekId, this.now());
    }
    throw new Error('vault: could not claim a data key; the vault store is under too much contention');
  }

  /** A new active data key for the workspace, wrapped by the newest master key; undefined if another creator won. */
  private async createDek(workspaceId: string): Promise<string | undefined> {
    const now = this.now();
    const id = newDekId(now);
    const key = randomBytes(KEY_BYTES);
    const { newest } = this.options.keyring;
    const inserted = await this.options.store.insertActiveDek({
      id,
      workspaceId,
      wrapped: wrapDek(key, workspaceId, id, newest),
      masterVersion: newest.version,
      createdAt: now,
    });
    if (!inserted) {
      key.fill(0);
      return undefined;
    }
    this.remember(id, workspaceId, key);
    return id;
  }

  /** The unwrapped data key, which must belong to `workspaceId` (a ciphertext moved to another workspace fails here). */
  private async dekKey(dekId: string, workspaceId: string, known?: WrappedDek): Promise<Buffer> {
    const cached = this.deks.get(dekId);
    if (cached) {
      if (cached.workspaceId !== workspaceId) throw new VaultDecryptError();
      return cached.key;
    }
    const dek = known?.id === dekId ? known : await this.options.store.findDek(dekId);
    if (!dek || dek.workspaceId !== workspaceId) throw new VaultDecryptError();
    const key = unwrapDek(dek, this.options.keyring, this.options.logger);
    return this.remember(dekId, workspaceId, key);
  }

  private remember(dekId: string, workspaceId: string, key: Buffer): Buffer {
    const existing = this.deks.get(dekId);
    if (existing) {
      key.fill(0);
      return existing.key;
    }
    this.deks.set(dekId, { workspaceId, key });
    // Evicted keys are not zeroed: a concurrent caller may still be using those bytes.
    while (this.deks.size > this.cacheSize) this.deks.delete(this.deks.keys().next().value as string);
    return key;
  }
}
