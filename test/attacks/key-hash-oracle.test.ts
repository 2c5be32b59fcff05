import { randomBytes } from 'node:crypto';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { hashKey } from '../../src/core/key-format.js';
import type { KeyRecord } from '../../src/storage/store.js';
import { newApi, newKey } from '../key-fixtures.js';
import { foreign, migrate, newMigration } from '../migration-fixtures.js';
import { useTestServer } from '../per-file-server.js';

/**
 * Issue 11, findings 1 and 10. Tenant B held a root key with only `create_key` on its own API and imported
 * `sha256(candidate)` through keys.migrateKeys: a hash some key of tenant A had (live or deleted) came back in
 * `failed`, a random one was imported, so B could confirm that a leaked string is or was a key on this instance.
 * And keys.verifyKey / keys.whoami fetched A's row before comparing workspaces, which a cold cache made measurably
 * slower than an unknown key. Now hashes are unique per workspace and every lookup by hash is scoped to the
 * caller's workspace in SQL: no answer depends on another workspace's keys, and no other workspace's row is read.
 */

const t = useTestServer();
afterEach(() => {
  vi.restoreAllMocks();
});

/** Tenant A (the server's first workspace): keys B must learn nothing about. */
let a: { apiId: string; live: { key: string; keyId: string }; deleted: { key: string; keyId: string } };
/** Tenant B: its full root key, its API, and a root key holding only create_key there (the attacker of finding 1). */
let b: { rootKey: string; workspaceId: string; apiId: string; importer: string; prober: string };

beforeAll(async () => {
  const apiId = await newApi(t);
  const live = await newKey(t, { apiId });
  const deleted = await newKey(t, { apiId });
  expect((await t.call('keys.deleteKey', { keyId: deleted.keyId })).status).toBe(200);
  a = { apiId, live, deleted };

  const other = await t.newWorkspace();
  const bApi = await newApi(t, other.rootKey);
  b = {
    ...other,
    apiId: bApi,
    importer: await t.rootKeyWith([`api.${bApi}.create_key`], other.workspaceId),
    prober: await t.rootKeyWith(['api.*.verify_key', 'api.*.read_key'], other.workspaceId),
  };
});

const randomHash = () => randomBytes(32).toString('base64');
const unknownKey = () => `unknown_${randomBytes(16).toString('hex')}`;

/** A fresh live key and a fresh soft-deleted key of A: B's imports above hold copies of `a`'s hashes. */
async function freshKeysOfA() {
  const live = await newKey(t, { apiId: a.apiId });
  const deleted = await newKey(t, { apiId: a.apiId });
  expect((await t.call('keys.deleteKey', { keyId: deleted.keyId })).status).toBe(200);
  return { live, deleted };
}

/** Every record the store's hash lookup hands back while `run` runs (found or not), and how many lookups there were. */
async function hashLookups(run: () => Promise<void>): Promise<(KeyRecord | undefined)[]> {
  const store = t.server.store;
  const original = store.findKeyByHash.bind(store);
  const results: (KeyRecord | undefined)[] = [];
  vi.spyOn(store, 'findKeyByHash').mockImplementation(async (...args: Parameters<typeof original>) => {
    const found = await original(...args);
    results.push(found);
    return found;
  });
  await run();
  return results;
}

describe("keys.migrateKeys: importing another workspace's key hash answers exactly like a random hash", () => {
  it("A's live and soft-deleted keys' hashes are imported into B like a random one, and A's keys are untouched", async () => {
    const migrationId = await newMigration(t, 'sha256_base64', b.rootKey);
    const hashes = [hashKey(a.live.key), hashKey(a.deleted.key), randomHash()];
    const res = await migrate(t, { migrationId, apiId: b.apiId, keys: hashes.map((hash) => ({ hash })) }, b.importer);
    expect(res.failed).toEqual([]);
    expect(res.migrated.map((m) => m.hash)).toEqual(hashes);
    for (const m of res.migrated) expect(m.keyId).toMatch(/^key_/);

    // A's key still verifies for A, as A's key; its deleted key stays deleted.
    const verified = await t.call('keys.verifyKey', { key: a.live.key });
    expect(verified.body.data).toMatchObject({ valid: true, code: 'VALID', keyId: a.live.keyId });
    expect((await t.call('keys.verifyKey', { key: a.deleted.key })).body.data).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  it("a hash A imported (still pending under A's migration) is imported into B like a random one", async () => {
    const aMigration = await newMigration(t, 'sha256_hex');
    const pending = foreign('sha256_hex');
    expect((await migrate(t, { migrationId: aMigration, apiId: a.apiId, keys: [{ hash: pending.hash }] })).failed).toEqual([]);

    const bMigration = await newMigration(t, 'sha256_hex', b.rootKey);
    const random = foreign('sha256_hex').hash;
    const res = await migrate(t, { migrationId: bMigration, apiId: b.apiId, keys: [{ hash: pending.hash }, { hash: random }] }, b.importer);
    expect(res.failed).toEqual([]);
    expect(res.migrated.map((m) => m.hash)).toEqual([pending.hash, random]);

    // A's import still completes on its first verification: B's copy of the hash is B's alone.
    const first = await t.call('keys.verifyKey', { key: pending.key, migrationId: aMigration });
    expect(first.body.data).toMatchObject({ valid: true, code: 'VALID' });
  });

  it("B cannot block A's pending import by taking the Keyward hash it will move to", async () => {
    const aMigration = await newMigration(t, 'sha256_hex');
    const pending = foreign('sha256_hex');
    const imported = await migrate(t, { migrationId: aMigration, apiId: a.apiId, keys: [{ hash: pending.hash }] });
    // B guessed (or learned) the plaintext and imports its Keyward hash first.
    const bMigration = await newMigration(t, 'sha256_base64', b.rootKey);
    expect(
      (await migrate(t, { migrationId: bMigration, apiId: b.apiId, keys: [{ hash: hashKey(pending.key) }] }, b.importer)).failed,
    ).toEqual([]);

    const first = await t.call('keys.verifyKey', { key: pending.key, migrationId: aMigration });
    expect(first.body.data).toMatchObject({ valid: true, code: 'VALID', keyId: imported.migrated[0]!.keyId });
  });
});

describe("keys.verifyKey and keys.whoami: another workspace's key is an unknown key, and its row is never read", () => {
  it('verifyKey from B: the same answer as an unknown key, cold and cached, while A keeps its own cached record', async () => {
    const { live, deleted } = await freshKeysOfA();
    const { key, keyId } = live;
    // A's record is cached on this node: B's lookup must not be answered from it.
    expect((await t.call('keys.verifyKey', { key })).body.data).toMatchObject({ valid: true, keyId });

    const probes = [key, deleted.key, unknownKey()];
    const records = await hashLookups(async () => {
      for (let i = 0; i < 2; i++) {
        for (const probe of probes) {
          const res = await t.call('keys.verifyKey', { key: probe }, { rootKey: b.prober });
          expect(res.status).toBe(200);
          expect(res.body.data).toEqual({ valid: false, code: 'NOT_FOUND' });
        }
      }
    });
    // At most one lookup per probe (the second round is cached; once B's unknown-key filter is built, none at all:
    // docs/decisions/0021-unknown-key-flood.md), none of which returned a row of A.
    expect(records.length).toBeLessThanOrEqual(probes.length);
    for (const record of records) expect(record).toBeUndefined();
    expect((await t.call('keys.verifyKey', { key })).body.data).toMatchObject({ valid: true, keyId });
  });

  it('whoami from B: the same 404 body as an unknown key, without reading A’s row', async () => {
    const { live, deleted } = await freshKeysOfA();
    const unknown = await t.call('keys.whoami', { key: unknownKey() }, { rootKey: b.prober });
    expect(unknown.status).toBe(404);
    const records = await hashLookups(async () => {
      for (const probe of [live.key, deleted.key]) {
        const res = await t.call('keys.whoami', { key: probe }, { rootKey: b.prober });
        expect(res.status).toBe(404);
        expect(res.body.error).toEqual(unknown.body.error);
      }
    });
    expect(records).toEqual([undefined, undefined]);
  });

  it('with a migrationId, B looking for A’s key under its own migration reads no row of A either', async () => {
    const { live } = await freshKeysOfA();
    // Cached on this node for A first.
    expect((await t.call('keys.verifyKey', { key: live.key })).body.data).toMatchObject({ valid: true, keyId: live.keyId });
    const bMigration = await newMigration(t, 'sha256_hex', b.rootKey);
    const records = await hashLookups(async () => {
      const res = await t.call('keys.verifyKey', { key: live.key, migrationId: bMigration }, { rootKey: b.prober });
      expect(res.body.data).toEqual({ valid: false, code: 'NOT_FOUND' });
    });
    // Looked up in B only, or not at all once B's unknown-key filter answers (docs/decisions/0021-unknown-key-flood.md).
    for (const record of records) expect(record).toBeUndefined();
  });
});
