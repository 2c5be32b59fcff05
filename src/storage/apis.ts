/** APIs: the containers of keys, and their settings. */

/** `disable`: a reported leak disables the key at once; `report`: it is only recorded. */
export type LeakPolicy = 'disable' | 'report';
import type { KeyFormat } from '../core/key-format.js';

/** The API settings apiSettings.updateSettings can change; absent fields are left alone. */
export interface ApiSettingsChange {
  deleteProtection?: boolean;
  storeEncryptedKeys?: boolean;
  ipWhitelist?: string[] | null;
  /** keys.createKey's prefix and byte length when the request has none; null removes them. */
  defaultPrefix?: string | null;
  defaultByteLength?: number | null;
  leakPolicy?: LeakPolicy;
  /** How the API's new keys are made (src/core/key-format.ts). */
  keyFormat?: KeyFormat;
}

export interface ApiRecord {
  id: string;
  workspaceId: string;
  name: string;
  deleteProtection: boolean;
  storeEncryptedKeys: boolean;
  defaultPrefix: string | null;
  defaultByteLength: number | null;
  /** How the API's new keys are made: `checksummed` for APIs created since migration 0010, `base58` for older ones. */
  keyFormat: KeyFormat;
  /** Addresses and CIDR ranges allowed to verify this API's keys; null: any client. */
  ipWhitelist: string[] | null;
  /** What a leak report naming one of its keys does (docs/decisions/0018-leak-reports.md). */
  leakPolicy: LeakPolicy;
  createdAt: number;
  updatedAt: number | null;
}

/** A page of a workspace's live APIs, ordered by id (creation order). */
export interface ApiListQuery {
  workspaceId: string;
  /** Only these APIs (the ones a root key may read one by one); absent: every API of the workspace. */
  apiIds?: readonly string[];
  /** APIs with ids after this one. */
  cursor?: string;
  limit: number;
}

export interface ApiOps {
  insertApi(api: ApiRecord): Promise<void>;
  findApi(workspaceId: string, apiId: string): Promise<ApiRecord | undefined>;
  /** One page of live APIs, ordered by id; an empty `apiIds` matches none. */
  listApis(query: ApiListQuery): Promise<ApiRecord[]>;
  /** Marks the API and its live keys deleted. */
  softDeleteApi(workspaceId: string, apiId: string, now: number): Promise<void>;
  /** Writes the settings present; `ipWhitelist: null` removes the whitelist. */
  updateApiSettings(workspaceId: string, apiId: string, settings: ApiSettingsChange, now: number): Promise<void>;
}
