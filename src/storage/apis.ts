/** APIs: the containers of keys, and their settings. */

/** The API settings apiSettings.updateSettings can change; absent fields are left alone. */
export interface ApiSettingsChange {
  deleteProtection?: boolean;
  storeEncryptedKeys?: boolean;
  ipWhitelist?: string[] | null;
  /** keys.createKey's prefix and byte length when the request has none; null removes them. */
  defaultPrefix?: string | null;
  defaultByteLength?: number | null;
}

export interface ApiRecord {
  id: string;
  workspaceId: string;
  name: string;
  deleteProtection: boolean;
  storeEncryptedKeys: boolean;
  defaultPrefix: string | null;
  defaultByteLength: number | null;
  /** Addresses and CIDR ranges allowed to verify this API's keys; null: any client. */
  ipWhitelist: string[] | null;
  createdAt: number;
  updatedAt: number | null;
}

export interface ApiOps {
  insertApi(api: ApiRecord): Promise<void>;
  findApi(workspaceId: string, apiId: string): Promise<ApiRecord | undefined>;
  /** Marks the API and its live keys deleted. */
  softDeleteApi(workspaceId: string, apiId: string, now: number): Promise<void>;
  /** Writes the settings present; `ipWhitelist: null` removes the whitelist. */
  updateApiSettings(workspaceId: string, apiId: string, settings: ApiSettingsChange, now: number): Promise<void>;
}
