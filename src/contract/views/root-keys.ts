import type { Static } from 'typebox';
import type { RootKeyData } from '../root-keys.js';
import type { ManagedRootKeyRecord } from '../../storage/store.js';

/** Field by field, so the hash the record carries (for cache invalidation) can never reach a response. */
export function rootKeyData(rootKey: ManagedRootKeyRecord): Static<typeof RootKeyData> {
  const data: Static<typeof RootKeyData> = {
    id: rootKey.id,
    start: rootKey.start,
    permissions: rootKey.permissions,
    createdAt: rootKey.createdAt,
  };
  if (rootKey.name !== null) data.name = rootKey.name;
  if (rootKey.expires !== null) data.expires = rootKey.expires;
  if (rootKey.lastUsedAt !== null) data.lastUsedAt = rootKey.lastUsedAt;
  if (rootKey.createdBy !== null) data.createdBy = rootKey.createdBy;
  if (rootKey.environment !== null) data.environment = rootKey.environment;
  if (rootKey.retiresAt !== null) data.retiresAt = rootKey.retiresAt;
  return data;
}
