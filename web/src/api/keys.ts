import { call, type ListPage, listPage } from './client';

/** The `keys.*` operations and apis.listKeys, as the Keys pages use them (shapes from src/contract/keys.ts). */

export interface Refill {
  interval: 'daily' | 'monthly';
  amount: number;
  refillDay?: number;
}

export interface Credits {
  /** null: unlimited. */
  remaining: number | null;
  refill?: Refill;
}

export interface Ratelimit {
  id: string;
  name: string;
  limit: number;
  /** Milliseconds. */
  duration: number;
  autoApply: boolean;
}

export interface Key {
  keyId: string;
  start: string;
  enabled: boolean;
  createdAt: number;
  name?: string;
  meta?: Record<string, unknown>;
  updatedAt?: number;
  lastUsedAt?: number;
  expires?: number;
  permissions?: string[];
  roles?: string[];
  credits?: Credits;
  identity?: { id: string; externalId: string; meta?: Record<string, unknown> };
  ratelimits?: Ratelimit[];
  /** keys.getKey only: the newest reported leaks, newest first (POST /v2/leaks.report). */
  leaks?: KeyLeak[];
}

/** One reported leak of a key (src/contract/keys.ts, KeyLeakOut). */
export interface KeyLeak {
  reportedAt: number;
  reporter: string;
  tokenType: string;
  url?: string;
  source?: string;
  action: 'disabled' | 'reported';
}

/** What keys.createKey takes from the form; absent fields are left to the API's defaults. */
export interface NewKey {
  apiId: string;
  name?: string;
  prefix?: string;
  externalId?: string;
  expires?: number;
  credits?: { remaining: number | null; refill?: Refill };
  ratelimits?: { name: string; limit: number; duration: number }[];
  meta?: Record<string, unknown>;
  enabled: boolean;
}

/**
 * keys.updateKey's body besides keyId: an absent field stays as it is, null clears it (src/contract/keys.ts, UpdateKeyBody).
 * `ratelimits` replaces the key's limits by name (a name left out is deleted); `credits` without `remaining` changes
 * only the refill.
 */
export interface KeyChange {
  enabled?: boolean;
  name?: string | null;
  meta?: Record<string, unknown> | null;
  expires?: number | null;
  externalId?: string | null;
  ratelimits?: { name: string; limit: number; duration: number; autoApply: boolean }[];
  credits?: { refill: Refill | null };
}

/** The plaintext key, answered once by createKey and rerollKey: held only by the dialog that shows it. */
export interface IssuedKey {
  keyId: string;
  key: string;
}

/**
 * One API's keys, a page (100) at a time, with `apis.listKeys`; `search` (Keyward's extension) keeps those whose name
 * contains it or whose start begins with it, ignoring case, searched by the server across all the API's keys.
 */
export const listKeys = (apiId: string, cursor?: string, search = ''): Promise<ListPage<Key>> =>
  listPage<Key>('apis.listKeys', search.trim() ? { apiId, search: search.trim() } : { apiId }, cursor);

export const keys = {
  create: (key: NewKey) => call<IssuedKey>('keys.createKey', key),
  get: (keyId: string) => call<Key>('keys.getKey', { keyId }),
  update: (keyId: string, change: KeyChange) => call<Record<string, never>>('keys.updateKey', { keyId, ...change }),
  setCredits: (keyId: string, value: number | null) => call<unknown>('keys.updateCredits', { keyId, operation: 'set', value }),
  /** `expiration`: milliseconds the old key keeps verifying (0: it stops at once). */
  reroll: (keyId: string, expiration: number) => call<IssuedKey>('keys.rerollKey', { keyId, expiration }),
  delete: (keyId: string) => call<Record<string, never>>('keys.deleteKey', { keyId }),
  /**
   * A recoverable key's plaintext (keys.getKey with `decrypt`), which the server records as `key.decrypt` in the audit
   * log before answering; undefined when the key was not created recoverable (the server holds only its hash).
   */
  reveal: async (keyId: string): Promise<string | undefined> =>
    (await call<Key & { plaintext?: string }>('keys.getKey', { keyId, decrypt: true })).plaintext,
  /**
   * Whether the key's API stores keys encrypted (apiSettings.getSettings' storeEncryptedKeys): only then can a key of it
   * be recoverable, so only then does the key page offer to reveal it. getKey does not say whether one key is.
   */
  storesEncryptedKeys: async (apiId: string): Promise<boolean> =>
    (await call<{ storeEncryptedKeys: boolean }>('apiSettings.getSettings', { apiId })).storeEncryptedKeys,
};
