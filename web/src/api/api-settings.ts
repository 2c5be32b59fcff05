import { call } from './client';

/** An API's Keyward settings as apiSettings.getSettings answers them (src/contract/apis.ts): unset fields are absent. */
export interface ApiSettings {
  apiId: string;
  name: string;
  deleteProtection: boolean;
  storeEncryptedKeys: boolean;
  defaultPrefix?: string;
  defaultByteLength?: number;
  /** How new keys are made: checksummed (`[<prefix>_]kw0<body><checksum>`) or base58 (Unkey's format). */
  keyFormat: KeyFormat;
  ipWhitelist?: string[];
}

export type KeyFormat = 'checksummed' | 'base58';

/** What apiSettings.updateSettings changes: an absent field stays as it is, null removes it. */
export interface ApiSettingsChange {
  deleteProtection?: boolean;
  storeEncryptedKeys?: boolean;
  defaultPrefix?: string | null;
  defaultByteLength?: number | null;
  keyFormat?: KeyFormat;
  ipWhitelist?: string[] | null;
}

export const apiSettings = {
  get: (apiId: string) => call<ApiSettings>('apiSettings.getSettings', { apiId }),
  update: (apiId: string, change: ApiSettingsChange) => call<ApiSettings>('apiSettings.updateSettings', { apiId, ...change }),
};
