import type { ApiRecord } from '../../storage/store.js';

export const apiSettingsData = (api: ApiRecord) => ({
  apiId: api.id,
  name: api.name,
  deleteProtection: api.deleteProtection,
  storeEncryptedKeys: api.storeEncryptedKeys,
  // Absent rather than null when unset, like every optional field Keyward answers.
  ...(api.defaultPrefix === null ? {} : { defaultPrefix: api.defaultPrefix }),
  ...(api.defaultByteLength === null ? {} : { defaultByteLength: api.defaultByteLength }),
  keyFormat: api.keyFormat,
  ...(api.ipWhitelist === null ? {} : { ipWhitelist: api.ipWhitelist }),
  // Absent while it is the default ("disable"), like the fields above while unset.
  ...(api.leakPolicy === 'disable' ? {} : { leakPolicy: api.leakPolicy }),
});
