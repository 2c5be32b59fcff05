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
  /** Present only when not the default ('disable'): what a leak report naming one of its keys does. */
  leakPolicy?: 'report';
}

/** What a leak report (POST /v2/leaks.report) naming one of the API's keys does: disable it at once, or only record it. */
export type LeakPolicy = 'disable' | 'report';

export type KeyFormat = 'checksummed' | 'base58';

/** What apiSettings.updateSettings changes: an absent field stays as it is, null removes it. */
export interface ApiSettingsChange {
  deleteProtection?: boolean;
  storeEncryptedKeys?: boolean;
  defaultPrefix?: string | null;
  defaultByteLength?: number | null;
  keyFormat?: KeyFormat;
  ipWhitelist?: string[] | null;
  leakPolicy?: LeakPolicy;
}

export const apiSettings = {
  get: (apiId: string) => call<ApiSettings>('apiSettings.getSettings', { apiId }),
  update: (apiId: string, change: ApiSettingsChange) => call<ApiSettings>('apiSettings.updateSettings', { apiId, ...change }),
};
