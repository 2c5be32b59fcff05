import { randomBytes } from 'node:crypto';
import { KEY_BYTES } from './aead.js';
import { VaultConfigError } from './errors.js';

/**
 * Master keys: versioned 32-byte AES keys that only ever wrap data keys. They come from configuration
 * alone (`KEYWARD_MASTER_KEYS`, a comma-separated list of `<version>:<base64 of 32 bytes>`), never from
 * a database. The highest version wraps new data keys; every listed version can unwrap.
 */

export interface MasterKeySpec {
  version: number;
  /** Standard base64 of 32 bytes. */
  key: string;
}

export const MAX_MASTER_KEY_VERSION = 2_147_483_647;

/** Parses KEYWARD_MASTER_KEYS. Problems name the entry by position, never by value: the value is a secret. */
export function parseMasterKeys(raw: string, variable = 'KEYWARD_MASTER_KEYS'): { keys: MasterKeySpec[]; problems: string[] } {
  const problems: string[] = [];
  const keys: MasterKeySpec[] = [];
  const entries = raw.split(',').map((entry) => entry.trim());
  if (entries.length === 1 && entries[0] === '') return { keys, problems };
  entries.forEach((entry, index) => {
    const where = `${variable} entry ${index + 1}`;
    const match = /^(\d{1,10}):([A-Za-z0-9+/]+={0,2})$/.exec(entry);
    const version = match ? Number(match[1]) : NaN;
    const bytes = match ? Buffer.from(match[2]!, 'base64') : undefined;
    if (!match || !bytes || bytes.length !== KEY_BYTES || bytes.toString('base64') !== match[2]) {
      problems.push(`${where} must be <version>:<standard base64 of exactly 32 bytes> (\`keyward vault init\` prints one)`);
      return;
    }
    if (version < 1 || version > MAX_MASTER_KEY_VERSION) {
      problems.push(`${where}: the version must be an integer from 1 to ${MAX_MASTER_KEY_VERSION}`);
      return;
    }
    if (keys.some((k) => k.version === version)) problems.push(`${where}: version ${version} is listed twice`);
    else if (keys.some((k) => k.key === match[2])) problems.push(`${where}: the same key is listed under two versions`);
    else keys.push({ version, key: match[2]! });
  });
  keys.sort((a, b) => a.version - b.version);
  return { keys, problems };
}

/** Exactly the form one KEYWARD_MASTER_KEYS entry takes. */
export const formatMasterKey = (version: number, key: Uint8Array): string => `${version}:${Buffer.from(key).toString('base64')}`;

/** A new random master key with this version, formatted for KEYWARD_MASTER_KEYS. */
export function generateMasterKey(version: number): string {
  const key = randomBytes(KEY_BYTES);
  try {
    return formatMasterKey(version, key);
  } finally {
    key.fill(0);
  }
}

/** The configured master keys as bytes, by version. */
export class MasterKeyring {
  private readonly byVersion = new Map<number, Buffer>();
  readonly newest: { version: number; key: Buffer };

  constructor(specs: readonly MasterKeySpec[]) {
    if (specs.length === 0)
      throw new VaultConfigError('No master key configured: set KEYWARD_MASTER_KEYS (`keyward vault init` prints one).');
    for (const spec of specs) this.byVersion.set(spec.version, Buffer.from(spec.key, 'base64'));
    const version = Math.max(...this.byVersion.keys());
    this.newest = { version, key: this.byVersion.get(version)! };
  }

  get(version: number): Buffer | undefined {
    return this.byVersion.get(version);
  }

  versions(): number[] {
    return [...this.byVersion.keys()].sort((a, b) => a - b);
  }
}
