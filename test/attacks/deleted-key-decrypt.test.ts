import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { auditEvents, newApi, newKey } from '../key-fixtures.js';
import { useTestServer } from '../per-file-server.js';
import { masterKey } from '../vault-fixtures.js';

/**
 * Issue 11 (found while scoping key lookups): the store handed out a soft-deleted key's ciphertext when asked for it
 * by id, so a keys.getKey or apis.listKeys with `decrypt: true` that read the key just before it was deleted still
 * decrypted it and answered its plaintext. A deleted key must not be recoverable: the ciphertext read now skips
 * deleted keys (and keys of deleted APIs) in SQL.
 */

const t = useTestServer({ env: { KEYWARD_MASTER_KEYS: masterKey(1) } });
afterEach(() => {
  vi.restoreAllMocks();
});

let apiId: string;
beforeAll(async () => {
  apiId = await newApi(t);
  expect((await t.call('apiSettings.updateSettings', { apiId, storeEncryptedKeys: true })).status).toBe(200);
});

/** Deletes `keyId` (through the API) at the moment the next decrypting request reads ciphertexts: after it read the key. */
function deleteBeforeCiphertextsAreRead(keyId: string): void {
  const store = t.server.store;
  const read = store.findEncryptedKeys.bind(store);
  vi.spyOn(store, 'findEncryptedKeys').mockImplementationOnce(async (...args: Parameters<typeof read>) => {
    expect((await t.call('keys.deleteKey', { keyId })).status).toBe(200);
    return read(...args);
  });
}

describe('a key deleted while a decrypting read runs is not recovered', () => {
  it('keys.getKey with decrypt: no plaintext, no key.decrypt record', async () => {
    const { keyId, key } = await newKey(t, { apiId, recoverable: true });
    deleteBeforeCiphertextsAreRead(keyId);
    const res = await t.call('keys.getKey', { keyId, decrypt: true });
    expect(res.status).not.toBe(500);
    expect(res.body.data?.plaintext).toBeUndefined();
    expect(JSON.stringify(res.body)).not.toContain(key);
    expect(await auditEvents(t, keyId)).toEqual(['key.create', 'key.delete']);
  });

  it('apis.listKeys with decrypt: the deleted key has no plaintext, the live one still has its own', async () => {
    const live = await newKey(t, { apiId, recoverable: true });
    const doomed = await newKey(t, { apiId, recoverable: true });
    deleteBeforeCiphertextsAreRead(doomed.keyId);
    const res = await t.call('apis.listKeys', { apiId, decrypt: true, limit: 100 });
    expect(res.status).toBe(200);
    expect(JSON.stringify(res.body)).not.toContain(doomed.key);
    const byId = new Map((res.body.data as { keyId: string; plaintext?: string }[]).map((k) => [k.keyId, k]));
    expect(byId.get(live.keyId)?.plaintext).toBe(live.key);
    expect(byId.get(doomed.keyId)?.plaintext).toBeUndefined();
    expect(await auditEvents(t, doomed.keyId)).toEqual(['key.create', 'key.delete']);
  });
});
