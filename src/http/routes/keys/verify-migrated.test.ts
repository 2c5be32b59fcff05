import { describe, expect, it, vi } from 'vitest';
import { hashKey } from '../../../core/key-format.js';
import { legacyHash, migratedKeyStart, type MigrationAlgorithm } from '../../../core/key-migration.js';
import { useTestServer } from '../../../../test/per-file-server.js';
import { getKey, newApi } from '../../../../test/key-fixtures.js';
import { foreign, migrate, newMigration } from '../../../../test/migration-fixtures.js';

/** keys.verifyKey with a migrationId (docs/unkey-compatibility.md, "Verification against a migration"). */

const t = useTestServer();

const verify = async (body: Record<string, unknown>, rootKey?: string) => {
  const res = await t.call('keys.verifyKey', body, rootKey ? { rootKey } : {});
  expect(res.status).toBe(200);
  return res.body.data;
};

/** One key imported under a new migration of `algorithm`. */
async function imported(algorithm: MigrationAlgorithm, fields: Record<string, unknown> = {}, rootKey = t.rootKey) {
  const apiId = await newApi(t, rootKey);
  const migrationId = await newMigration(t, algorithm, rootKey);
  const { key, hash } = foreign(algorithm);
  const { migrated } = await migrate(t, { migrationId, apiId, keys: [{ hash, ...fields }] }, rootKey);
  return { apiId, migrationId, key, hash, keyId: migrated[0]!.keyId };
}

const NOT_FOUND = { valid: false, code: 'NOT_FOUND' };

describe('keys.verifyKey with a migrationId', () => {
  it.each(['sha256_hex', 'prefixed_api_key'] as const)(
    "%s: found only with its migrationId, then moved to Keyward's hash with its real start; verifies without it afterwards",
    async (algorithm) => {
      const { migrationId, key, hash, keyId } = await imported(algorithm, { name: 'legacy', credits: { remaining: 5 } });
      expect(await verify({ key })).toEqual(NOT_FOUND);
      expect(await verify({ key, migrationId })).toEqual({ valid: true, code: 'VALID', keyId, name: 'legacy', enabled: true, credits: 4 });

      const got = await getKey(t, keyId);
      expect(got.start).toBe(migratedKeyStart(key).start);
      expect(got.start).toMatch(algorithm === 'prefixed_api_key' ? /^acme_[1-9A-HJ-NP-Za-km-z]{4}$/ : /^legacy_[1-9A-HJ-NP-Za-km-z]{4}$/);
      expect(got.updatedAt).toBe(t.clock.now());
      // Now an ordinary key: Keyward's hash finds it, the imported hash is gone, and it belongs to no migration.
      expect(await t.server.store.findKeyByHash(t.workspaceId, hashKey(key))).toMatchObject({ id: keyId, start: got.start });
      expect(await t.server.store.findTakenKeyHashes(t.workspaceId, [hash])).toEqual([]);
      expect(await t.server.store.findPendingMigratedKey(t.workspaceId, migrationId, hash)).toBeUndefined();

      expect(await verify({ key })).toMatchObject({ valid: true, code: 'VALID', keyId, credits: 3 });
      expect(await verify({ key, migrationId })).toMatchObject({ valid: true, keyId, credits: 2 });
      expect((await t.call('keys.whoami', { key })).body.data.keyId).toBe(keyId);
      // The key keeps its prefix when rerolled.
      const rerolled = await t.call('keys.rerollKey', { keyId, expiration: 0 });
      expect(rerolled.body.data.key.startsWith(algorithm === 'prefixed_api_key' ? 'acme_' : 'legacy_')).toBe(true);
    },
  );

  it("sha256_base64: Keyward's own scheme verifies with or without the migrationId; the first verification records its start", async () => {
    const { migrationId, key, hash, keyId } = await imported('sha256_base64');
    expect(hash).toBe(hashKey(key));
    expect((await getKey(t, keyId)).start).toBe('(migrated)');
    expect(await verify({ key, migrationId })).toEqual({ valid: true, code: 'VALID', keyId, enabled: true });
    expect((await getKey(t, keyId)).start).toBe(migratedKeyStart(key).start);
    expect(await t.server.store.findPendingMigratedKey(t.workspaceId, migrationId, hash)).toBeUndefined();
    expect(await verify({ key })).toMatchObject({ valid: true, keyId });

    const other = await imported('sha256_base64');
    expect(await verify({ key: other.key })).toMatchObject({ valid: true, keyId: other.keyId });
    expect((await getKey(t, other.keyId)).start).toBe(migratedKeyStart(other.key).start);
  });

  it('prefixed_api_key: once moved, another key ending in the same long token no longer matches', async () => {
    const { migrationId, key, keyId } = await imported('prefixed_api_key');
    const longToken = key.slice(key.lastIndexOf('_') + 1);
    const impostor = `evil_zzzzzz_${longToken}`;
    expect(legacyHash('prefixed_api_key', impostor)).toBe(legacyHash('prefixed_api_key', key));
    expect(await verify({ key, migrationId })).toMatchObject({ valid: true, keyId });
    expect(await verify({ key: impostor, migrationId })).toEqual(NOT_FOUND);
    expect(await verify({ key: impostor })).toEqual(NOT_FOUND);
    expect(await verify({ key })).toMatchObject({ valid: true, keyId });
  });

  it("another workspace's migration, or another migration of the same workspace, finds nothing and changes nothing", async () => {
    const { migrationId, key, hash, keyId } = await imported('sha256_hex');
    const stranger = await t.newWorkspace();
    const theirs = await newMigration(t, 'sha256_hex', stranger.rootKey);
    expect(await verify({ key, migrationId }, stranger.rootKey)).toEqual(NOT_FOUND);
    expect(await verify({ key, migrationId: theirs }, stranger.rootKey)).toEqual(NOT_FOUND);
    expect(await verify({ key, migrationId: await newMigration(t, 'sha256_hex') })).toEqual(NOT_FOUND);
    expect(await verify({ key, migrationId: 'mig_doesnotexist' })).toEqual(NOT_FOUND);
    expect((await getKey(t, keyId)).start).toBe('(migrated)');
    expect(await t.server.store.findPendingMigratedKey(t.workspaceId, migrationId, hash)).toMatchObject({ id: keyId });
    expect(await verify({ key, migrationId })).toMatchObject({ valid: true, keyId });
  });

  it("a key imported into another workspace answers NOT_FOUND to this workspace, even with that workspace's migrationId", async () => {
    const stranger = await t.newWorkspace();
    const theirs = await imported('prefixed_api_key', {}, stranger.rootKey);
    const ours = await newMigration(t, 'prefixed_api_key');
    for (const migrationId of [theirs.migrationId, ours]) {
      expect(await verify({ key: theirs.key, migrationId })).toEqual(NOT_FOUND);
    }
    expect(await verify({ key: theirs.key })).toEqual(NOT_FOUND);
    expect((await getKey(t, theirs.keyId, stranger.rootKey)).start).toBe('(migrated)');
    expect(await verify({ key: theirs.key, migrationId: theirs.migrationId }, stranger.rootKey)).toMatchObject({
      valid: true,
      keyId: theirs.keyId,
    });
  });

  it("a root key without verify_key on the key's API gets NOT_FOUND and moves nothing; verify_key on that API is enough", async () => {
    const { apiId, migrationId, key, keyId } = await imported('sha256_hex');
    const reader = await t.rootKeyWith(['api.*.read_key', 'api.*.create_key', 'api.api_other.verify_key']);
    expect(await verify({ key, migrationId }, reader)).toEqual(NOT_FOUND);
    expect((await getKey(t, keyId)).start).toBe('(migrated)');
    const verifier = await t.rootKeyWith([`api.${apiId}.verify_key`]);
    expect(await verify({ key, migrationId }, verifier)).toMatchObject({ valid: true, keyId });
  });

  it('a disabled or expired imported key answers DISABLED / EXPIRED (its plaintext is proven, so it is moved); a deleted one NOT_FOUND', async () => {
    const disabled = await imported('sha256_hex', { enabled: false });
    expect(await verify({ key: disabled.key, migrationId: disabled.migrationId })).toMatchObject({
      valid: false,
      code: 'DISABLED',
      keyId: disabled.keyId,
    });
    expect(await verify({ key: disabled.key })).toMatchObject({ code: 'DISABLED', keyId: disabled.keyId });

    const expired = await imported('prefixed_api_key', { expires: t.clock.now() - 1 });
    expect(await verify({ key: expired.key, migrationId: expired.migrationId })).toMatchObject({
      valid: false,
      code: 'EXPIRED',
      keyId: expired.keyId,
    });

    const deleted = await imported('sha256_hex');
    expect((await t.call('keys.deleteKey', { keyId: deleted.keyId })).status).toBe(200);
    expect(await verify({ key: deleted.key, migrationId: deleted.migrationId })).toEqual(NOT_FOUND);
  });

  it('concurrent first verifications all find the key, and it is moved once', async () => {
    const { migrationId, key, keyId } = await imported('sha256_hex', { credits: { remaining: 100 } });
    const results = await Promise.all(Array.from({ length: 8 }, () => verify({ key, migrationId })));
    for (const result of results) expect(result).toMatchObject({ valid: true, code: 'VALID', keyId });
    expect(results.map((r) => r.credits).sort((a, b) => a - b)).toEqual([92, 93, 94, 95, 96, 97, 98, 99]);
    expect((await getKey(t, keyId)).start).toBe(migratedKeyStart(key).start);
  });

  it('refuses to move a key onto a Keyward hash another key (even a deleted one) already has', async () => {
    const apiId = await newApi(t);
    const { key } = foreign('sha256_hex');
    const base64 = await migrate(t, { migrationId: await newMigration(t, 'sha256_base64'), apiId, keys: [{ hash: hashKey(key) }] });
    await t.call('keys.deleteKey', { keyId: base64.migrated[0]!.keyId });
    const migrationId = await newMigration(t, 'sha256_hex');
    const { migrated } = await migrate(t, { migrationId, apiId, keys: [{ hash: legacyHash('sha256_hex', key) }] });
    expect(await verify({ key, migrationId })).toEqual(NOT_FOUND);
    expect((await getKey(t, migrated[0]!.keyId)).start).toBe('(migrated)');
  });

  it('the ordinary path never looks at migrations; an unknown migrationId is looked up once, then cached', async () => {
    const findMigration = vi.spyOn(t.server.store, 'findKeyMigration');
    const findPending = vi.spyOn(t.server.store, 'findPendingMigratedKey');
    try {
      const { key } = foreign('sha256_hex');
      expect(await verify({ key })).toEqual(NOT_FOUND);
      expect(await verify({ key: 'sk_doesnotexist' })).toEqual(NOT_FOUND);
      expect(findMigration).not.toHaveBeenCalled();
      expect(findPending).not.toHaveBeenCalled();

      for (let i = 0; i < 3; i++) expect(await verify({ key, migrationId: 'mig_unknown_cached' })).toEqual(NOT_FOUND);
      expect(findMigration).toHaveBeenCalledTimes(1);
      expect(findPending).not.toHaveBeenCalled();
    } finally {
      findMigration.mockRestore();
      findPending.mockRestore();
    }
  });
});
