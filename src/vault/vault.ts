import { isIP } from 'node:net';
import { VaultDecryptError } from './errors.js';

/**
 * The one Vault interface. `local.ts` implements it in this process (master keys configured here),
 * `remote.ts` over HTTP(S) to a `keyward vault serve` process (this process then never sees a master
 * key). Both pass `vault.suite.ts`.
 *
 * The ciphertext of a key is bound to (workspaceId, keyId): decrypting it under any other pair fails,
 * so a ciphertext copied onto another row or into another workspace is useless.
 */

export interface EncryptRequest {
  workspaceId: string;
  keyId: string;
  plaintext: string;
}

export interface Encrypted {
  /** Self-describing text: `kw1.<data key id>.<base64url(nonce | ciphertext | tag)>`. */
  ciphertext: string;
  /** The data key that encrypted it (also inside `ciphertext`). */
  dekId: string;
}

export interface DecryptRequest {
  workspaceId: string;
  keyId: string;
  ciphertext: string;
}

/** What the dashboard shows of a vault (dashboard.getVaultStatus): version numbers, never key material. */
export interface VaultStatus {
  /** Absent only from a `vault serve` older than this field, which answers its check without them. */
  masterKeyVersions?: {
    /** The versions KEYWARD_MASTER_KEYS holds where the vault runs, ascending. */
    configured: number[];
    /** The versions some data key is wrapped by, ascending. */
    inUse: number[];
  };
}

export interface Vault {
  readonly kind: 'local' | 'remote';
  encrypt(request: EncryptRequest): Promise<Encrypted>;
  /** The plaintext, or VaultDecryptError (whatever went wrong). */
  decrypt(request: DecryptRequest): Promise<string>;
  /** Resolves when the vault can be used (a remote vault answers and accepts the token); for start-up checks. */
  check(): Promise<void>;
  /** Its master key versions; rejects when the vault (its store, or the remote vault) does not answer. */
  status(): Promise<VaultStatus>;
  close(): Promise<void>;
}

/**
 * After this many encryptions a workspace's data key is retired and a new one made. A random 96-bit
 * nonce stays safe up to 2^32 encryptions per key (NIST SP 800-38D); 2^24 keeps the chance of a nonce
 * collision below 2^-49.
 */
export const DEFAULT_DEK_MAX_ENCRYPTIONS = 2 ** 24;

/** The largest plaintext the vault takes (keys are at most a few hundred characters). */
export const MAX_PLAINTEXT_CHARS = 4096;

const CIPHERTEXT_VERSION = 'kw1';
const DEK_ID = /^dek_[0-9a-z]{8,64}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

export function formatCiphertext(dekId: string, sealed: Uint8Array): string {
  return `${CIPHERTEXT_VERSION}.${dekId}.${Buffer.from(sealed).toString('base64url')}`;
}

/** Splits a ciphertext; anything malformed (including non-canonical base64) is the one VaultDecryptError. */
export function parseCiphertext(text: string): { dekId: string; sealed: Buffer } {
  const parts = text.split('.');
  if (parts.length !== 3 || parts[0] !== CIPHERTEXT_VERSION || !DEK_ID.test(parts[1]!) || !BASE64URL.test(parts[2]!))
    throw new VaultDecryptError();
  const sealed = Buffer.from(parts[2]!, 'base64url');
  if (sealed.toString('base64url') !== parts[2]) throw new VaultDecryptError();
  return { dekId: parts[1]!, sealed };
}

export const isDekId = (id: string): boolean => DEK_ID.test(id);

/** Associated data: an unambiguous encoding (a JSON array) of what a ciphertext is bound to. */
const aad = (parts: (string | number)[]): Buffer => Buffer.from(JSON.stringify(parts), 'utf8');

export const keyAad = (workspaceId: string, keyId: string, dekId: string): Buffer => aad(['keyward.key.v1', workspaceId, keyId, dekId]);

export const dekAad = (workspaceId: string, dekId: string, masterVersion: number): Buffer =>
  aad(['keyward.dek.v1', workspaceId, dekId, masterVersion]);

/** True for addresses only this machine can reach: the only place the vault may speak plain HTTP. */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (bare === 'localhost') return true;
  if (isIP(bare) === 4) return bare.startsWith('127.');
  return bare === '::1';
}

/** The shortest bearer token accepted between API nodes and `keyward vault serve`. */
export const MIN_VAULT_TOKEN_CHARS = 32;
