import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../core/ids.js';
import { generateKey } from '../core/key-format.js';
import type { ApiRecord, AuditEntry, NewKeyRow, NewRatelimit, Store, StoreOps } from './store.js';

/**
 * The one conformance suite every Store implementation runs (DESIGN §8.4). It states the contract of
 * each StoreOps method as behaviour a caller can observe, so an engine that passes here can replace
 * another. Tests isolate by workspace on one shared store; the few that touch store-wide state
 * (first start, refill) open a store of their own.
 */

export interface OpenedStore {
  store: Store;
  /** Removes the database; called after `store.close()`. */
  drop: () => Promise<void>;
}

const NOW = Date.UTC(2026, 0, 15, 12, 0, 0);
const DAY = 86_400_000;

export function storeConformance(name: string, open: () => Promise<OpenedStore>): void {
  describe(`Store conformance: ${name}`, () => {
    let opened: OpenedStore;
    let store: Store;
    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });
    afterAll(async () => {
      await store?.close();
      await opened?.drop();
    });

    /** Runs `test` on a store of its own, for behaviour that is store-wide rather than per workspace. */
    async function withOwnStore(test: (own: Store) => Promise<void>): Promise<void> {
      const own = await open();
      try {
        await test(own.store);
      } finally {
        await own.store.close();
        await own.drop();
      }
    }

    async function newWorkspace(ops: StoreOps = store, enabled = true): Promise<string> {
      const id = newId('workspace', NOW);
      await ops.insertWorkspace({ id, name: 'conformance', enabled, createdAt: NOW });
      return id;
    }

    async function newApi(workspaceId: string, ops: StoreOps = store): Promise<ApiRecord> {
      const api: ApiRecord = {
        id: newId('api', NOW), workspaceId, name: 'conformance api', deleteProtection: false, storeEncryptedKeys: false,
        ipWhitelist: null, defaultPrefix: 'cf', defaultByteLength: 24, createdAt: NOW, updatedAt: null,
      };
      await ops.insertApi(api);
      return api;
    }

    function keyRow(workspaceId: string, apiId: string, fields: Partial<NewKeyRow> = {}): NewKeyRow {
      const key = generateKey(16, 'cf');
      return {
        id: newId('key', NOW), workspaceId, apiId, hash: key.hash, start: key.start, prefix: 'cf', name: null,
        identityId: null, meta: null, enabled: true, expires: null, remaining: null, refill: null, createdAt: NOW,
        ...fields,
      };
    }

    async function newKey(workspaceId: string, apiId: string, fields: Partial<NewKeyRow> = {}, ops: StoreOps = store): Promise<NewKeyRow> {
      const row = keyRow(workspaceId, apiId, fields);
      await ops.insertKey(row);
      return row;
    }

    /** A workspace with one API, the starting point of most tests. */
    async function fixture() {
      const workspaceId = await newWorkspace();
      const api = await newApi(workspaceId);
      return { workspaceId, api, apiId: api.id };
    }

    const limit = (name: string, value = 10, duration = 60_000, autoApply = false): NewRatelimit =>
      ({ id: newId('ratelimit', NOW), name, limit: value, duration, autoApply });

    describe('bootstrap and root keys', () => {
      it('claimFirstStart succeeds exactly once per store, even when raced, and rolls back with its transaction', async () => {
        await withOwnStore(async (own) => {
          await expect(
            own.transaction(async (tx) => {
              expect(await tx.claimFirstStart(NOW)).toBe(true);
              throw new Error('bootstrap failed');
            }),
          ).rejects.toThrow('bootstrap failed');
          const claims = await Promise.all(Array.from({ length: 10 }, () => own.claimFirstStart(NOW)));
          expect(claims.filter(Boolean)).toHaveLength(1);
          expect(await own.claimFirstStart(NOW + 1)).toBe(false);
        });
      });

      it('finds a root key by hash with its permissions and workspace state; an unknown hash is absent', async () => {
        const workspaceId = await newWorkspace();
        const disabledWorkspace = await newWorkspace(store, false);
        const key = generateKey(32, 'kw_root');
        const other = generateKey(32, 'kw_root');
        const row = {
          id: newId('rootKey', NOW), workspaceId, name: 'ops', hash: key.hash, start: key.start,
          permissions: ['api.*.read_api', 'audit.*.read_audit_log'], createdAt: NOW, expires: NOW + DAY, createdBy: null,
        };
        await store.insertRootKey(row);
        await store.insertRootKey({ ...row, id: newId('rootKey', NOW), workspaceId: disabledWorkspace, name: null, hash: other.hash, expires: null });

        expect(await store.findRootKeyByHash(key.hash)).toEqual({
          id: row.id, workspaceId, name: 'ops', start: key.start, permissions: row.permissions, enabled: true,
          expires: NOW + DAY, workspaceEnabled: true, workspaceApiRateLimit: null, createdAt: NOW,
        });
        expect(await store.findRootKeyByHash(other.hash)).toMatchObject({ workspaceId: disabledWorkspace, name: null, expires: null, workspaceEnabled: false });
        expect(await store.findRootKeyByHash(generateKey(32).hash)).toBeUndefined();
      });

      it('finds, lists, updates and soft-deletes root keys, each only in its own workspace', async () => {
        const workspaceId = await newWorkspace();
        const stranger = await newWorkspace();
        expect(await store.findWorkspace(workspaceId)).toEqual({ id: workspaceId, name: 'conformance', enabled: true, createdAt: NOW });
        expect(await store.findWorkspace(newId('workspace', NOW))).toBeUndefined();
        const rows = [];
        for (const name of ['one', null, 'three']) {
          const key = generateKey(32, 'kw_root');
          const row = {
            id: newId('rootKey', NOW), workspaceId, name, hash: key.hash, start: key.start, permissions: ['api.*.read_api'],
            createdAt: NOW, expires: name === 'one' ? NOW + DAY : null, createdBy: name === 'three' ? 'rk_creator' : null,
          };
          await store.insertRootKey(row);
          rows.push(row);
        }
        const [one, two, three] = rows as [typeof rows[0], typeof rows[0], typeof rows[0]];
        expect(await store.findRootKey(workspaceId, one.id)).toEqual({
          id: one.id, workspaceId, name: 'one', hash: one.hash, start: one.start, permissions: ['api.*.read_api'],
          expires: NOW + DAY, createdBy: null, createdAt: NOW, updatedAt: null, lastUsedAt: null,
        });
        expect(await store.findRootKey(stranger, one.id)).toBeUndefined();
        expect(await store.findRootKeyWorkspace(three.id)).toBe(workspaceId);
        expect((await store.listRootKeys({ workspaceId, limit: 10 })).map((k) => k.id)).toEqual([one.id, two.id, three.id]);
        expect((await store.listRootKeys({ workspaceId, cursor: one.id, limit: 1 })).map((k) => k.id)).toEqual([two.id]);
        expect(await store.listRootKeys({ workspaceId: stranger, limit: 10 })).toEqual([]);

        await store.transaction((tx) => tx.updateRootKey(two.id, { name: 'two', permissions: ['audit.*.read_audit_log'] }, NOW + 1));
        await store.updateRootKey(three.id, { permissions: [] }, NOW + 2);
        expect(await store.findRootKey(workspaceId, two.id)).toMatchObject({ name: 'two', permissions: ['audit.*.read_audit_log'], updatedAt: NOW + 1 });
        expect(await store.findRootKeyByHash(two.hash)).toMatchObject({ name: 'two', permissions: ['audit.*.read_audit_log'] });
        expect(await store.findRootKey(workspaceId, three.id)).toMatchObject({ name: 'three', permissions: [], createdBy: 'rk_creator' });

        expect(await store.softDeleteRootKey(stranger, one.id, NOW)).toBe(false);
        expect(await store.softDeleteRootKey(workspaceId, one.id, NOW)).toBe(true);
        expect(await store.softDeleteRootKey(workspaceId, one.id, NOW)).toBe(false);
        expect(await store.findRootKey(workspaceId, one.id)).toBeUndefined();
        expect(await store.findRootKeyWorkspace(one.id)).toBeUndefined();
        expect(await store.findRootKeyByHash(one.hash)).toBeUndefined();
        expect((await store.listRootKeys({ workspaceId, limit: 10 })).map((k) => k.id)).toEqual([two.id, three.id]);
      });

      it('recordRootKeyUsage stamps lastUsedAt per root key, never moving it back, and rolls back with a transaction', async () => {
        const workspaceId = await newWorkspace();
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
          const key = generateKey(32, 'kw_root');
          const id = newId('rootKey', NOW);
          await store.insertRootKey({
            id, workspaceId, name: null, hash: key.hash, start: key.start, permissions: [], createdAt: NOW, expires: null, createdBy: null,
          });
          ids.push(id);
        }
        const [a, b, c] = ids as [string, string, string];
        const lastUsed = async (id: string) => (await store.findRootKey(workspaceId, id))!.lastUsedAt;
        // An unknown id in the batch changes nothing and fails nothing.
        await store.recordRootKeyUsage(new Map([[a, NOW + 10], [b, NOW + 20], [newId('rootKey', NOW), NOW + 10]]));
        expect(await lastUsed(a)).toBe(NOW + 10);
        expect(await lastUsed(b)).toBe(NOW + 20);
        expect(await lastUsed(c)).toBeNull();
        // Another node flushing an older use later must not overwrite the newer time.
        await store.recordRootKeyUsage(new Map([[a, NOW + 30], [b, NOW + 5]]));
        expect(await lastUsed(a)).toBe(NOW + 30);
        expect(await lastUsed(b)).toBe(NOW + 20);
        const listed = new Map((await store.listRootKeys({ workspaceId, limit: 10 })).map((k) => [k.id, k]));
        expect(listed.get(a)).toMatchObject({ lastUsedAt: NOW + 30, updatedAt: null });
        expect(listed.get(c)).toMatchObject({ lastUsedAt: null });
        await expect(store.transaction(async (tx) => {
          await tx.recordRootKeyUsage(new Map([[c, NOW + 40]]));
          throw new Error('abandoned');
        })).rejects.toThrow('abandoned');
        expect(await lastUsed(c)).toBeNull();
        await store.recordRootKeyUsage(new Map());
      });

      it("sets and clears a workspace's API rate limit, read with its root keys; an unknown workspace is refused", async () => {
        const workspaceId = await newWorkspace();
        const other = await newWorkspace();
        const key = generateKey(32, 'kw_root');
        const otherKey = generateKey(32, 'kw_root');
        const row = {
          id: newId('rootKey', NOW), workspaceId, name: null, hash: key.hash, start: key.start,
          permissions: [], createdAt: NOW, expires: null, createdBy: null,
        };
        await store.insertRootKey(row);
        await store.insertRootKey({ ...row, id: newId('rootKey', NOW), workspaceId: other, hash: otherKey.hash });

        expect(await store.setWorkspaceApiRateLimit(workspaceId, 120)).toBe(true);
        expect((await store.findRootKeyByHash(key.hash))?.workspaceApiRateLimit).toBe(120);
        expect((await store.findRootKeyByHash(otherKey.hash))?.workspaceApiRateLimit).toBeNull();
        expect(await store.setWorkspaceApiRateLimit(workspaceId, 0)).toBe(true);
        expect((await store.findRootKeyByHash(key.hash))?.workspaceApiRateLimit).toBe(0);
        expect(await store.setWorkspaceApiRateLimit(workspaceId, null)).toBe(true);
        expect((await store.findRootKeyByHash(key.hash))?.workspaceApiRateLimit).toBeNull();
        expect(await store.setWorkspaceApiRateLimit(newId('workspace', NOW), 5)).toBe(false);
        // Rolled back with its transaction, like every mutation.
        await expect(store.transaction(async (tx) => {
          await tx.setWorkspaceApiRateLimit(workspaceId, 7);
          throw new Error('abandoned');
        })).rejects.toThrow('abandoned');
        expect((await store.findRootKeyByHash(key.hash))?.workspaceApiRateLimit).toBeNull();
      });
    });

    describe('apis', () => {
      it('finds an API only in its own workspace', async () => {
        const { workspaceId, api } = await fixture();
        const stranger = await newWorkspace();
        expect(await store.findApi(workspaceId, api.id)).toEqual(api);
        expect(await store.findApi(stranger, api.id)).toBeUndefined();
        expect(await store.findApi(workspaceId, newId('api', NOW))).toBeUndefined();
      });

      it("soft delete hides the API and its keys; another workspace's delete changes nothing", async () => {
        const { workspaceId, apiId } = await fixture();
        const stranger = await newWorkspace();
        const key = await newKey(workspaceId, apiId);

        await store.softDeleteApi(stranger, apiId, NOW + 1);
        expect(await store.findApi(workspaceId, apiId)).toBeDefined();

        await store.softDeleteApi(workspaceId, apiId, NOW + 1);
        expect(await store.findApi(workspaceId, apiId)).toBeUndefined();
        expect(await store.findKey(workspaceId, key.id)).toBeUndefined();
        expect(await store.findKeyByHash(key.hash)).toBeUndefined();
        expect(await store.listKeys({ workspaceId, apiId, limit: 10 })).toEqual([]);
      });

      it('updates settings in the own workspace only, stamping updatedAt', async () => {
        const { workspaceId, api } = await fixture();
        const stranger = await newWorkspace();
        await store.updateApiSettings(stranger, api.id, { deleteProtection: true }, NOW + 5);
        expect(await store.findApi(workspaceId, api.id)).toEqual(api);

        await store.updateApiSettings(workspaceId, api.id, { deleteProtection: true }, NOW + 10);
        expect(await store.findApi(workspaceId, api.id)).toEqual({ ...api, deleteProtection: true, updatedAt: NOW + 10 });
        // An absent setting is left alone.
        await store.updateApiSettings(workspaceId, api.id, {}, NOW + 20);
        expect(await store.findApi(workspaceId, api.id)).toEqual({ ...api, deleteProtection: true, updatedAt: NOW + 20 });
      });

      it('stores, keeps and removes the IP whitelist, and loads it with every key of the API', async () => {
        const { workspaceId, api } = await fixture();
        const key = await newKey(workspaceId, api.id);
        const list = ['10.0.0.0/8', '2001:db8::/32', '192.168.1.7'];
        await store.updateApiSettings(workspaceId, api.id, { ipWhitelist: list }, NOW + 1);
        expect(await store.findApi(workspaceId, api.id)).toEqual({ ...api, ipWhitelist: list, updatedAt: NOW + 1 });
        expect(await store.findKeyByHash(key.hash)).toMatchObject({ id: key.id, apiIpWhitelist: list });
        expect(await store.findKey(workspaceId, key.id)).toMatchObject({ apiIpWhitelist: list });
        // Other settings leave it alone; null removes it.
        await store.updateApiSettings(workspaceId, api.id, { deleteProtection: true }, NOW + 2);
        expect(await store.findApi(workspaceId, api.id)).toMatchObject({ ipWhitelist: list, deleteProtection: true });
        await store.updateApiSettings(workspaceId, api.id, { ipWhitelist: null }, NOW + 3);
        expect(await store.findApi(workspaceId, api.id)).toMatchObject({ ipWhitelist: null });
        expect(await store.findKeyByHash(key.hash)).toMatchObject({ apiIpWhitelist: null });

        // An API inserted with a whitelist reads it back.
        const listed: ApiRecord = { ...api, id: newId('api', NOW), ipWhitelist: ['::1'] };
        await store.insertApi(listed);
        expect(await store.findApi(workspaceId, listed.id)).toEqual(listed);
      });
    });

    describe('identities', () => {
      it('upsert returns the same identity for one externalId, separately per workspace', async () => {
        const a = await newWorkspace();
        const b = await newWorkspace();
        const first = await store.upsertIdentity(a, 'user_1', NOW);
        expect(first).toMatch(/^id_/);
        expect(await store.upsertIdentity(a, 'user_1', NOW + 1)).toBe(first);
        expect(await store.findIdentityIdByExternalId(a, 'user_1')).toBe(first);
        const inB = await store.upsertIdentity(b, 'user_1', NOW);
        expect(inB).not.toBe(first);
        expect(await store.findIdentityIdByExternalId(b, 'user_1')).toBe(inB);
        expect(await store.findIdentityIdByExternalId(a, 'user_2')).toBeUndefined();
      });

      it('20 concurrent upserts of one externalId create one identity', async () => {
        const workspaceId = await newWorkspace();
        const ids = await Promise.all(Array.from({ length: 20 }, (_, i) => store.upsertIdentity(workspaceId, 'raced', NOW + i)));
        expect(new Set(ids).size).toBe(1);
        expect(await store.findIdentityIdByExternalId(workspaceId, 'raced')).toBe(ids[0]);
      });

      it('insertIdentity refuses a second live identity with the same externalId, also when raced', async () => {
        const workspaceId = await newWorkspace();
        const row = (externalId: string, meta = {}) => ({ id: newId('identity', NOW), workspaceId, externalId, meta, createdAt: NOW });
        const first = row('org_1', { tier: 'gold' });
        expect(await store.insertIdentity(first)).toBe(true);
        const duplicate = row('org_1');
        expect(await store.insertIdentity(duplicate)).toBe(false);
        expect(await store.findIdentity(workspaceId, duplicate.id)).toBeUndefined();
        expect(await store.findIdentity(workspaceId, 'org_1')).toEqual({ id: first.id, externalId: 'org_1', meta: { tier: 'gold' }, ratelimits: [] });
        expect(await store.insertIdentity({ ...row('org_1'), workspaceId: await newWorkspace() })).toBe(true);

        const results = await Promise.all(Array.from({ length: 10 }, () => store.insertIdentity(row('org_raced'))));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('findIdentity by id or externalId, own workspace only; an id wins over an externalId that looks like it', async () => {
        const workspaceId = await newWorkspace();
        const a = await store.upsertIdentity(workspaceId, 'alpha', NOW);
        const b = newId('identity', NOW);
        // b's externalId is a's id: looking up a's id must still find a.
        expect(await store.insertIdentity({ id: b, workspaceId, externalId: a, meta: {}, createdAt: NOW })).toBe(true);
        expect((await store.findIdentity(workspaceId, a))?.id).toBe(a);
        expect((await store.findIdentity(workspaceId, 'alpha'))?.id).toBe(a);
        expect((await store.findIdentity(workspaceId, b))?.id).toBe(b);
        expect(await store.findIdentity(await newWorkspace(), a)).toBeUndefined();
        expect(await store.findIdentity(workspaceId, 'nobody')).toBeUndefined();
      });

      it('lists live identities by id, page by page, with a literal case-insensitive search', async () => {
        const workspaceId = await newWorkspace();
        const ids: string[] = [];
        for (const externalId of ['Acme_Corp', 'acme%labs', 'beta', 'ACMEX', 'gone_acme']) ids.push(await store.upsertIdentity(workspaceId, externalId, NOW));
        await store.softDeleteIdentity(workspaceId, ids[4]!, NOW);
        await store.upsertIdentity(await newWorkspace(), 'acme_elsewhere', NOW);

        const seen: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 5; page++) {
          const rows = await store.listIdentities({ workspaceId, limit: 2, ...(cursor ? { cursor } : {}) });
          seen.push(...rows.map((r) => r.id));
          if (rows.length < 2) break;
          cursor = rows.at(-1)!.id;
        }
        expect(seen).toEqual(ids.slice(0, 4).sort());

        const search = async (text: string) => (await store.listIdentities({ workspaceId, search: text, limit: 10 })).map((r) => r.externalId).sort();
        expect(await search('acme')).toEqual(['ACMEX', 'Acme_Corp', 'acme%labs']);
        // `%` and `_` are plain characters here, not LIKE wildcards.
        expect(await search('e%l')).toEqual(['acme%labs']);
        expect(await search('e_c')).toEqual(['Acme_Corp']);
        expect(await search('a_m')).toEqual([]);
        // The id is searched too.
        expect(await search(ids[2]!.slice(-8).toUpperCase())).toEqual(['beta']);
      });

      it('updateIdentity replaces meta when given and keeps it otherwise', async () => {
        const workspaceId = await newWorkspace();
        const id = newId('identity', NOW);
        await store.insertIdentity({ id, workspaceId, externalId: 'metered', meta: { a: 1 }, createdAt: NOW });
        await store.updateIdentity(id, {}, NOW + 1);
        expect((await store.findIdentity(workspaceId, id))!.meta).toEqual({ a: 1 });
        await store.updateIdentity(id, { meta: { b: [2] } }, NOW + 2);
        expect((await store.findIdentity(workspaceId, id))!.meta).toEqual({ b: [2] });
      });

      it("replaceIdentityRatelimits keeps ids by name, and the identity's keys see the limits", async () => {
        const { workspaceId, apiId } = await fixture();
        const identityId = await store.upsertIdentity(workspaceId, 'limited', NOW);
        const key = await newKey(workspaceId, apiId, { identityId });
        const [a, b] = [limit('requests', 100), limit('tokens', 5000)];
        await store.replaceIdentityRatelimits(workspaceId, identityId, [a, b], NOW);
        await store.replaceIdentityRatelimits(workspaceId, identityId, [limit('tokens', 10, 1000, true)], NOW + 1);
        const expected = [{ id: b.id, name: 'tokens', limit: 10, duration: 1000, autoApply: true }];
        expect((await store.findIdentity(workspaceId, identityId))!.ratelimits).toEqual(expected);
        expect((await store.findKeyByHash(key.hash))!.identity!.ratelimits).toEqual(expected);
        // A key limit of the same name is a different limit.
        await store.replaceKeyRatelimits(workspaceId, key.id, [limit('tokens', 1)], NOW);
        expect((await store.findIdentity(workspaceId, identityId))!.ratelimits).toEqual(expected);
      });

      it('softDeleteIdentity hides the identity everywhere, frees its externalId, and ignores other workspaces', async () => {
        const { workspaceId, apiId } = await fixture();
        const identityId = await store.upsertIdentity(workspaceId, 'leaving', NOW);
        const key = await newKey(workspaceId, apiId, { identityId });

        await store.softDeleteIdentity(await newWorkspace(), identityId, NOW);
        expect(await store.findIdentity(workspaceId, identityId)).toBeDefined();

        await store.softDeleteIdentity(workspaceId, identityId, NOW + 1);
        expect(await store.findIdentity(workspaceId, identityId)).toBeUndefined();
        expect(await store.findIdentity(workspaceId, 'leaving')).toBeUndefined();
        expect(await store.findIdentityIdByExternalId(workspaceId, 'leaving')).toBeUndefined();
        expect((await store.findKey(workspaceId, key.id))!.identity).toBeNull();

        // The externalId can be used again, repeatedly.
        for (let round = 0; round < 2; round++) {
          const again = await store.upsertIdentity(workspaceId, 'leaving', NOW + 2);
          expect(again).not.toBe(identityId);
          await store.softDeleteIdentity(workspaceId, again, NOW + 3);
        }
        expect(await store.insertIdentity({ id: newId('identity', NOW), workspaceId, externalId: 'leaving', meta: {}, createdAt: NOW })).toBe(true);
      });

      it('softDeleteIdentity detaches its keys, and those of the older copies it purges, in its own workspace only', async () => {
        const { workspaceId, apiId } = await fixture();
        // listKeys filters on the stored link itself, so it shows what reads of the identity hide.
        const linked = async (identityId: string, ws = workspaceId, api = apiId) =>
          (await store.listKeys({ workspaceId: ws, apiId: api, identityId, limit: 10 })).map((k) => k.id).sort();
        const first = await store.upsertIdentity(workspaceId, 'detached', NOW);
        const keys = [await newKey(workspaceId, apiId, { identityId: first }), await newKey(workspaceId, apiId, { identityId: first })];
        const staying = await store.upsertIdentity(workspaceId, 'staying', NOW);
        const bystander = await newKey(workspaceId, apiId, { identityId: staying });

        // Rolled back with its transaction: the links stay.
        await expect(store.transaction(async (tx) => {
          await tx.softDeleteIdentity(workspaceId, first, NOW + 1);
          throw new Error('abandoned');
        })).rejects.toThrow('abandoned');
        expect(await linked(first)).toEqual(keys.map((k) => k.id).sort());

        await store.softDeleteIdentity(workspaceId, first, NOW + 1);
        expect(await linked(first)).toEqual([]);
        expect((await store.findKey(workspaceId, keys[0]!.id))!.identity).toBeNull();
        expect((await store.findKey(workspaceId, bystander.id))!.identity).toMatchObject({ id: staying });

        // A key still linked to the deleted copy (as deletions before links were cleared left them) is not
        // confused with a new identity of the same externalId, and is detached when that copy is purged.
        const legacy = await newKey(workspaceId, apiId, { identityId: first });
        const second = await store.upsertIdentity(workspaceId, 'detached', NOW + 2);
        const current = await newKey(workspaceId, apiId, { identityId: second });
        expect(await linked(second)).toEqual([current.id]);
        expect((await store.findKey(workspaceId, legacy.id))!.identity).toBeNull();
        expect((await store.findKey(workspaceId, current.id))!.identity).toMatchObject({ id: second, externalId: 'detached' });
        await store.softDeleteIdentity(workspaceId, second, NOW + 3);
        expect(await linked(first)).toEqual([]);
        expect(await linked(second)).toEqual([]);

        // Another workspace's delete reaches neither the identity nor its keys.
        const foreign = await fixture();
        const theirs = await store.upsertIdentity(foreign.workspaceId, 'detached', NOW);
        const theirKey = await newKey(foreign.workspaceId, foreign.apiId, { identityId: theirs });
        await store.softDeleteIdentity(workspaceId, theirs, NOW + 4);
        expect(await linked(theirs, foreign.workspaceId, foreign.apiId)).toEqual([theirKey.id]);
        expect((await store.findKey(foreign.workspaceId, theirKey.id))!.identity).toMatchObject({ id: theirs });
      });
    });

    describe('rate-limit namespaces and overrides', () => {
      it('createRatelimitNamespace creates once per live name, also when raced', async () => {
        const workspaceId = await newWorkspace();
        const first = await store.createRatelimitNamespace(workspaceId, 'api.requests', NOW);
        expect(first.created).toBe(true);
        expect(first.namespace).toEqual({ id: expect.stringMatching(/^rlns_/), workspaceId, name: 'api.requests', createdAt: NOW, updatedAt: null, deletedAt: null });
        const second = await store.createRatelimitNamespace(workspaceId, 'api.requests', NOW + 1);
        expect(second).toEqual({ namespace: first.namespace, created: false });

        const raced = await Promise.all(Array.from({ length: 10 }, () => store.createRatelimitNamespace(workspaceId, 'raced', NOW)));
        expect(raced.filter((r) => r.created)).toHaveLength(1);
        expect(new Set(raced.map((r) => r.namespace.id)).size).toBe(1);
      });

      it('findRatelimitNamespace by id or name: the live one first, else the latest deleted one', async () => {
        const workspaceId = await newWorkspace();
        const { namespace: old } = await store.createRatelimitNamespace(workspaceId, 'email', NOW);
        expect(await store.findRatelimitNamespace(workspaceId, old.id)).toEqual(old);
        expect(await store.findRatelimitNamespace(workspaceId, 'email')).toEqual(old);
        expect(await store.findRatelimitNamespace(await newWorkspace(), old.id)).toBeUndefined();
        expect(await store.findRatelimitNamespace(workspaceId, 'never')).toBeUndefined();

        expect(await store.softDeleteRatelimitNamespace(workspaceId, old.id, NOW + 1)).toBe(true);
        expect(await store.findRatelimitNamespace(workspaceId, 'email')).toEqual({ ...old, deletedAt: NOW + 1, updatedAt: NOW + 1 });

        const { namespace: middle } = await store.createRatelimitNamespace(workspaceId, 'email', NOW + 2);
        expect(middle.id).not.toBe(old.id);
        expect(await store.findRatelimitNamespace(workspaceId, 'email')).toEqual(middle);
        await store.softDeleteRatelimitNamespace(workspaceId, middle.id, NOW + 3);
        expect((await store.findRatelimitNamespace(workspaceId, 'email'))?.id).toBe(middle.id);
        // A deleted namespace stays reachable by its id.
        expect((await store.findRatelimitNamespace(workspaceId, old.id))?.deletedAt).toBe(NOW + 1);
      });

      it('lists live namespaces by id, page by page, per workspace', async () => {
        const workspaceId = await newWorkspace();
        const ids: string[] = [];
        for (const name of ['a', 'b', 'c', 'd']) ids.push((await store.createRatelimitNamespace(workspaceId, name, NOW)).namespace.id);
        await store.softDeleteRatelimitNamespace(workspaceId, ids[1]!, NOW);
        await store.createRatelimitNamespace(await newWorkspace(), 'a', NOW);
        const firstPage = await store.listRatelimitNamespaces({ workspaceId, limit: 2 });
        const secondPage = await store.listRatelimitNamespaces({ workspaceId, limit: 2, cursor: firstPage.at(-1)!.id });
        expect([...firstPage, ...secondPage].map((n) => n.name)).toEqual(['a', 'c', 'd']);
      });

      it('renameRatelimitNamespace: renamed, name_taken (nothing changes) or not_found', async () => {
        const workspaceId = await newWorkspace();
        const { namespace: a } = await store.createRatelimitNamespace(workspaceId, 'first', NOW);
        const { namespace: b } = await store.createRatelimitNamespace(workspaceId, 'second', NOW);
        expect(await store.renameRatelimitNamespace(workspaceId, a.id, 'renamed', NOW + 1)).toBe('renamed');
        expect(await store.findRatelimitNamespace(workspaceId, 'renamed')).toEqual({ ...a, name: 'renamed', updatedAt: NOW + 1 });
        expect(await store.findRatelimitNamespace(workspaceId, 'first')).toBeUndefined();
        expect(await store.renameRatelimitNamespace(workspaceId, a.id, 'renamed', NOW + 2)).toBe('renamed');

        expect(await store.renameRatelimitNamespace(workspaceId, b.id, 'renamed', NOW + 3)).toBe('name_taken');
        expect(await store.findRatelimitNamespace(workspaceId, b.id)).toEqual(b);

        expect(await store.renameRatelimitNamespace(await newWorkspace(), a.id, 'stolen', NOW)).toBe('not_found');
        await store.softDeleteRatelimitNamespace(workspaceId, b.id, NOW + 4);
        expect(await store.renameRatelimitNamespace(workspaceId, b.id, 'revived', NOW + 5)).toBe('not_found');
        // A deleted namespace's name is free for a live one.
        expect(await store.renameRatelimitNamespace(workspaceId, a.id, 'second', NOW + 6)).toBe('renamed');
      });

      it('softDeleteRatelimitNamespace is true once, and never for another workspace', async () => {
        const workspaceId = await newWorkspace();
        const { namespace } = await store.createRatelimitNamespace(workspaceId, 'doomed', NOW);
        expect(await store.softDeleteRatelimitNamespace(await newWorkspace(), namespace.id, NOW)).toBe(false);
        expect(await store.softDeleteRatelimitNamespace(workspaceId, namespace.id, NOW)).toBe(true);
        expect(await store.softDeleteRatelimitNamespace(workspaceId, namespace.id, NOW)).toBe(false);
        expect(await store.listRatelimitNamespaces({ workspaceId, limit: 10 })).toEqual([]);
      });

      it('upsertRatelimitOverride creates, then updates keeping the id; nothing for a namespace that is not live', async () => {
        const workspaceId = await newWorkspace();
        const { namespace } = await store.createRatelimitNamespace(workspaceId, 'api', NOW);
        const base = { workspaceId, namespaceId: namespace.id, identifier: 'user_1', limit: 10, duration: 60_000 };
        const created = await store.upsertRatelimitOverride(base, NOW);
        expect(created).toEqual({
          created: true,
          override: { id: expect.stringMatching(/^rlor_/), namespaceId: namespace.id, identifier: 'user_1', limit: 10, duration: 60_000, createdAt: NOW, updatedAt: null },
        });
        const updated = await store.upsertRatelimitOverride({ ...base, limit: 20, duration: 1000 }, NOW + 1);
        expect(updated).toEqual({ created: false, override: { ...created!.override, limit: 20, duration: 1000, updatedAt: NOW + 1 } });
        expect(await store.listRatelimitOverrides({ workspaceId, namespaceId: namespace.id, limit: 10 })).toEqual([updated!.override]);

        expect(await store.upsertRatelimitOverride({ ...base, workspaceId: await newWorkspace() }, NOW)).toBeUndefined();
        await store.softDeleteRatelimitNamespace(workspaceId, namespace.id, NOW + 2);
        expect(await store.upsertRatelimitOverride(base, NOW + 3)).toBeUndefined();
      });

      it('concurrent upserts of one identifier, each in its own transaction, make one override', async () => {
        const workspaceId = await newWorkspace();
        const { namespace } = await store.createRatelimitNamespace(workspaceId, 'contended', NOW);
        const results = await Promise.all(Array.from({ length: 10 }, (_, i) =>
          store.transaction((tx) => tx.upsertRatelimitOverride({ workspaceId, namespaceId: namespace.id, identifier: 'hot', limit: i + 1, duration: 1000 }, NOW))));
        expect(results.filter((r) => r?.created)).toHaveLength(1);
        expect(new Set(results.map((r) => r?.override.id)).size).toBe(1);
        expect(await store.listRatelimitOverrides({ workspaceId, namespaceId: namespace.id, limit: 10 })).toHaveLength(1);
      });

      it('override candidates: exact matches for the identifiers plus every pattern, in creation order', async () => {
        const workspaceId = await newWorkspace();
        const { namespace } = await store.createRatelimitNamespace(workspaceId, 'candidates', NOW);
        const { namespace: other } = await store.createRatelimitNamespace(workspaceId, 'other', NOW);
        const put = async (namespaceId: string, identifier: string) =>
          (await store.upsertRatelimitOverride({ workspaceId, namespaceId, identifier, limit: 1, duration: 1000 }, NOW))!.override;
        const premium = await put(namespace.id, 'premium_*');
        const exact = await put(namespace.id, 'user_1');
        await put(namespace.id, 'user_2');
        const any = await put(namespace.id, '*');
        const gone = await put(namespace.id, 'user_*');
        await put(other.id, 'user_1');
        expect(await store.softDeleteRatelimitOverride(workspaceId, gone.id, NOW)).toBe(true);

        const ids = async (identifiers: string[]) =>
          (await store.findRatelimitOverrideCandidates(workspaceId, namespace.id, identifiers)).map((o) => o.identifier);
        expect(await ids(['user_1', 'user_9'])).toEqual([premium.identifier, exact.identifier, any.identifier]);
        expect(await ids([])).toEqual(['premium_*', '*']);
        expect(await store.findRatelimitOverrideCandidates(await newWorkspace(), namespace.id, ['user_1'])).toEqual([]);
      });

      it('lists live overrides of one namespace by id, page by page; a deleted identifier can be set anew', async () => {
        const workspaceId = await newWorkspace();
        const { namespace } = await store.createRatelimitNamespace(workspaceId, 'paged', NOW);
        const made = [];
        for (const identifier of ['a', 'b', 'c', 'd']) {
          made.push((await store.upsertRatelimitOverride({ workspaceId, namespaceId: namespace.id, identifier, limit: 1, duration: 1000 }, NOW))!.override);
        }
        expect(await store.softDeleteRatelimitOverride(await newWorkspace(), made[0]!.id, NOW)).toBe(false);
        expect(await store.softDeleteRatelimitOverride(workspaceId, made[0]!.id, NOW)).toBe(true);
        expect(await store.softDeleteRatelimitOverride(workspaceId, made[0]!.id, NOW)).toBe(false);

        const page1 = await store.listRatelimitOverrides({ workspaceId, namespaceId: namespace.id, limit: 2 });
        const page2 = await store.listRatelimitOverrides({ workspaceId, namespaceId: namespace.id, limit: 2, cursor: page1.at(-1)!.id });
        expect([...page1, ...page2].map((o) => o.identifier)).toEqual(['b', 'c', 'd']);
        expect(await store.listRatelimitOverrides({ workspaceId: await newWorkspace(), namespaceId: namespace.id, limit: 10 })).toEqual([]);

        const again = await store.upsertRatelimitOverride({ workspaceId, namespaceId: namespace.id, identifier: 'a', limit: 5, duration: 1000 }, NOW + 1);
        expect(again?.created).toBe(true);
        expect(again?.override.id).not.toBe(made[0]!.id);
      });
    });

    describe('keys', () => {
      it('inserts a key and finds it by id (own workspace only) and by hash, with everything verify needs', async () => {
        const { workspaceId, apiId } = await fixture();
        const identityId = await store.upsertIdentity(workspaceId, 'customer_9', NOW);
        const row = await newKey(workspaceId, apiId, {
          name: 'primary', identityId, meta: { plan: 'pro', nested: { n: 1 } }, enabled: false, expires: NOW + DAY,
          remaining: 50, refill: { amount: 100, day: 1 },
        });
        const expected = {
          id: row.id, workspaceId, apiId, hash: row.hash, start: row.start, prefix: 'cf', name: 'primary',
          meta: { plan: 'pro', nested: { n: 1 } }, enabled: false, expires: NOW + DAY, remaining: 50,
          refill: { amount: 100, day: 1 }, lastRefillAt: NOW, createdAt: NOW, updatedAt: null, lastUsedAt: null,
          identity: { id: identityId, externalId: 'customer_9', meta: {}, ratelimits: [] },
          permissions: [], roles: [], rolePermissions: [], ratelimits: [], apiIpWhitelist: null,
        };
        expect(await store.findKey(workspaceId, row.id)).toEqual(expected);
        // A disabled key is still found: verify must answer DISABLED, not NOT_FOUND.
        expect(await store.findKeyByHash(row.hash)).toEqual(expected);
        expect(await store.findKey(await newWorkspace(), row.id)).toBeUndefined();
        expect(await store.findKeyByHash(generateKey(16).hash)).toBeUndefined();

        const bare = await newKey(workspaceId, apiId, { prefix: null });
        expect(await store.findKey(workspaceId, bare.id)).toMatchObject({
          prefix: null, name: null, meta: null, expires: null, remaining: null, refill: null, lastRefillAt: null, identity: null,
        });
      });

      it('lists the keys of one API in id order, page by page, optionally for one identity', async () => {
        const { workspaceId, apiId } = await fixture();
        const otherApi = await newApi(workspaceId);
        const identityId = await store.upsertIdentity(workspaceId, 'lister', NOW);
        const keys = [];
        for (let i = 0; i < 5; i++) keys.push(await newKey(workspaceId, apiId, i % 2 === 0 ? { identityId } : {}));
        await newKey(workspaceId, otherApi.id, { identityId });
        const gone = await newKey(workspaceId, apiId, { identityId });
        await store.softDeleteKey(gone.id, NOW);
        const expected = keys.map((k) => k.id).sort();

        const seen: string[] = [];
        let cursor: string | undefined;
        for (let page = 0; page < 5; page++) {
          const rows = await store.listKeys({ workspaceId, apiId, limit: 2, ...(cursor ? { cursor } : {}) });
          seen.push(...rows.map((r) => r.id));
          if (rows.length < 2) break;
          cursor = rows.at(-1)!.id;
        }
        expect(seen).toEqual(expected);

        const withIdentity = await store.listKeys({ workspaceId, apiId, identityId, limit: 10 });
        expect(withIdentity.map((k) => k.id)).toEqual(keys.filter((_, i) => i % 2 === 0).map((k) => k.id).sort());
        expect(withIdentity.every((k) => k.identity?.externalId === 'lister')).toBe(true);
        expect(await store.listKeys({ workspaceId: await newWorkspace(), apiId, limit: 10 })).toEqual([]);
      });

      it('updateKey writes present fields (null included) and leaves absent ones alone', async () => {
        const { workspaceId, apiId } = await fixture();
        const identityId = await store.upsertIdentity(workspaceId, 'patched', NOW);
        const row = await newKey(workspaceId, apiId, {
          name: 'before', identityId, meta: { a: 1 }, expires: NOW + DAY, remaining: 10, refill: { amount: 10, day: null },
        });
        const before = (await store.findKey(workspaceId, row.id))!;

        await store.updateKey(row.id, {}, NOW + 1);
        expect(await store.findKey(workspaceId, row.id)).toEqual({ ...before, updatedAt: NOW + 1 });

        await store.updateKey(row.id, { name: null, meta: { b: 2 } }, NOW + 2);
        expect(await store.findKey(workspaceId, row.id)).toEqual({ ...before, name: null, meta: { b: 2 }, updatedAt: NOW + 2 });

        await store.updateKey(row.id, { meta: null, enabled: false, expires: null, identityId: null }, NOW + 3);
        expect(await store.findKey(workspaceId, row.id)).toEqual({
          ...before, name: null, meta: null, enabled: false, expires: null, identity: null, updatedAt: NOW + 3,
        });

        await store.updateKey(row.id, { refill: null, remaining: null }, NOW + 4);
        expect(await store.findKey(workspaceId, row.id)).toMatchObject({ remaining: null, refill: null, lastRefillAt: null, enabled: false });

        await store.updateKey(row.id, { remaining: 5, refill: { amount: 20, day: 3 }, name: 'after' }, NOW + 5);
        expect(await store.findKey(workspaceId, row.id)).toMatchObject({
          name: 'after', remaining: 5, refill: { amount: 20, day: 3 }, lastRefillAt: NOW + 5, updatedAt: NOW + 5,
        });
      });

      it('replaceKeyRatelimits keeps the ids of limits it keeps, updates them, adds and removes the rest', async () => {
        const { workspaceId, apiId } = await fixture();
        const row = await newKey(workspaceId, apiId);
        const [a, b] = [limit('alpha', 10), limit('beta', 20, 1000, true)];
        await store.replaceKeyRatelimits(workspaceId, row.id, [a, b], NOW);
        expect((await store.findKey(workspaceId, row.id))!.ratelimits).toEqual([
          { id: a.id, name: 'alpha', limit: 10, duration: 60_000, autoApply: false },
          { id: b.id, name: 'beta', limit: 20, duration: 1000, autoApply: true },
        ]);

        const betaAgain = limit('beta', 99, 5000, false);
        const gamma = limit('gamma', 1);
        await store.replaceKeyRatelimits(workspaceId, row.id, [betaAgain, gamma], NOW + 1);
        expect((await store.findKey(workspaceId, row.id))!.ratelimits).toEqual([
          { id: b.id, name: 'beta', limit: 99, duration: 5000, autoApply: false },
          { id: gamma.id, name: 'gamma', limit: 1, duration: 60_000, autoApply: false },
        ]);

        // Another key's limits of the same name are separate.
        const sibling = await newKey(workspaceId, apiId);
        await store.replaceKeyRatelimits(workspaceId, sibling.id, [limit('beta', 1)], NOW);
        expect((await store.findKey(workspaceId, row.id))!.ratelimits.map((l) => l.limit)).toEqual([99, 1]);

        await store.replaceKeyRatelimits(workspaceId, row.id, [], NOW + 2);
        expect((await store.findKey(workspaceId, row.id))!.ratelimits).toEqual([]);
        expect((await store.findKey(workspaceId, sibling.id))!.ratelimits).toHaveLength(1);
      });

      it('setKeyPermissions replaces the direct permissions, creating missing ones, per workspace', async () => {
        const { workspaceId, apiId } = await fixture();
        const first = await newKey(workspaceId, apiId);
        const second = await newKey(workspaceId, apiId);
        await store.setKeyPermissions(workspaceId, first.id, ['docs.read', 'docs.write', 'docs.read'], NOW);
        expect((await store.findKey(workspaceId, first.id))!.permissions).toEqual(['docs.read', 'docs.write']);

        // Slugs that already exist in the workspace are reused, not duplicated (which would violate uniqueness).
        await store.setKeyPermissions(workspaceId, second.id, ['docs.write', 'billing.*'], NOW);
        expect((await store.findKey(workspaceId, second.id))!.permissions).toEqual(['billing.*', 'docs.write']);

        await store.setKeyPermissions(workspaceId, first.id, ['docs.write', 'admin'], NOW + 1);
        expect((await store.findKey(workspaceId, first.id))!.permissions).toEqual(['admin', 'docs.write']);
        expect((await store.findKey(workspaceId, second.id))!.permissions).toEqual(['billing.*', 'docs.write']);

        const elsewhere = await fixture();
        const foreign = await newKey(elsewhere.workspaceId, elsewhere.apiId);
        await store.setKeyPermissions(elsewhere.workspaceId, foreign.id, ['docs.write'], NOW);
        expect((await store.findKey(elsewhere.workspaceId, foreign.id))!.permissions).toEqual(['docs.write']);

        await store.setKeyPermissions(workspaceId, first.id, [], NOW + 2);
        expect((await store.findKey(workspaceId, first.id))!.permissions).toEqual([]);
      });

      it('setKeyRoles reports the names that do not exist and then changes nothing; [] clears', async () => {
        const { workspaceId, apiId } = await fixture();
        const row = await newKey(workspaceId, apiId);
        expect(await store.setKeyRoles(workspaceId, row.id, ['admin', 'viewer', 'admin'], NOW)).toEqual(['admin', 'viewer']);
        expect((await store.findKey(workspaceId, row.id))!.roles).toEqual([]);
        expect(await store.setKeyRoles(workspaceId, row.id, [], NOW)).toEqual([]);
        expect((await store.findKey(workspaceId, row.id))!.roles).toEqual([]);
      });

      it('changeCredits sets, increments, and decrements clamped at 0; undefined for an unlimited or gone key', async () => {
        const { workspaceId, apiId } = await fixture();
        const row = await newKey(workspaceId, apiId, { remaining: 10 });
        expect(await store.changeCredits(row.id, 'set', 3)).toBe(3);
        expect(await store.changeCredits(row.id, 'increment', 5)).toBe(8);
        expect(await store.changeCredits(row.id, 'decrement', 2)).toBe(6);
        expect(await store.changeCredits(row.id, 'decrement', 100)).toBe(0);
        expect(await store.readCredits(row.id)).toBe(0);

        const unlimited = await newKey(workspaceId, apiId, { remaining: null });
        expect(await store.changeCredits(unlimited.id, 'increment', 5)).toBeUndefined();
        expect(await store.changeCredits(unlimited.id, 'decrement', 5)).toBeUndefined();
        expect(await store.readCredits(unlimited.id)).toBeNull();
        // Setting a number makes an unlimited key limited.
        expect(await store.changeCredits(unlimited.id, 'set', 7)).toBe(7);

        expect(await store.changeCredits(newId('key', NOW), 'set', 1)).toBeUndefined();
        const deleted = await newKey(workspaceId, apiId, { remaining: 10 });
        await store.softDeleteKey(deleted.id, NOW);
        expect(await store.changeCredits(deleted.id, 'increment', 1)).toBeUndefined();
      });

      it('spendCredits is exact under 100 concurrent calls and never overspends', async () => {
        const { workspaceId, apiId } = await fixture();
        const row = await newKey(workspaceId, apiId, { remaining: 50 });
        const results = await Promise.all(Array.from({ length: 100 }, () => store.spendCredits(row.id, 1)));
        const spent = results.filter((r): r is number => r !== undefined);
        expect(spent).toHaveLength(50);
        // Every successful spend saw a distinct balance: no two calls took the same credit.
        expect(new Set(spent).size).toBe(50);
        expect(Math.min(...spent)).toBe(0);
        expect(await store.readCredits(row.id)).toBe(0);

        const costly = await newKey(workspaceId, apiId, { remaining: 5 });
        expect(await store.spendCredits(costly.id, 6)).toBeUndefined();
        expect(await store.spendCredits(costly.id, 5)).toBe(0);
        expect(await store.spendCredits(costly.id, 0)).toBe(0);
      });

      it('spendCredits: concurrent spends of mixed costs on several keys each behave as if run one after another', async () => {
        const { workspaceId, apiId } = await fixture();
        const keys = [await newKey(workspaceId, apiId, { remaining: 20 }), await newKey(workspaceId, apiId, { remaining: 7 }), await newKey(workspaceId, apiId, { remaining: 0 })];
        const spends = Array.from({ length: 90 }, (_, i) => ({ key: keys[i % 3]!, cost: (i % 4) + 1 }));
        const results = await Promise.all(spends.map((s) => store.spendCredits(s.key.id, s.cost)));
        for (const key of keys) {
          const mine = spends.map((s, i) => ({ ...s, left: results[i] })).filter((s) => s.key === key);
          const final = (await store.readCredits(key.id))!;
          const spent = mine.filter((s) => s.left !== undefined).reduce((sum, s) => sum + s.cost, 0);
          expect(final).toBe(key.remaining! - spent);
          // Balances only fall, so a refused spend asked for more than is left even now.
          for (const s of mine.filter((m) => m.left === undefined)) expect(s.cost).toBeGreaterThan(final);
          // Successful spends saw distinct balances: no credit was taken twice.
          const lefts = mine.map((s) => s.left).filter((l) => l !== undefined);
          expect(new Set(lefts).size).toBe(lefts.length);
        }
      });

      it('spendCredits commits on its own, never inside a transaction that is open meanwhile', async () => {
        const { workspaceId, apiId } = await fixture();
        const row = await newKey(workspaceId, apiId, { remaining: 10 });
        let spend: Promise<number | undefined> | undefined;
        await expect(
          store.transaction(async (tx) => {
            await tx.changeCredits(row.id, 'set', 100);
            spend = store.spendCredits(row.id, 3);
            await new Promise((resolve) => setTimeout(resolve, 30));
            throw new Error('roll back');
          }),
        ).rejects.toThrow('roll back');
        // The set was rolled back; the spend was not: on SQLite it waited for the transaction to end, on
        // PostgreSQL it ran on another connection.
        expect(await spend).toBe(7);
        expect(await store.readCredits(row.id)).toBe(7);
      });

      it('readCredits: a number, null for unlimited, undefined for an unknown key', async () => {
        const { workspaceId, apiId } = await fixture();
        expect(await store.readCredits((await newKey(workspaceId, apiId, { remaining: 4 })).id)).toBe(4);
        expect(await store.readCredits((await newKey(workspaceId, apiId)).id)).toBeNull();
        expect(await store.readCredits(newId('key', NOW))).toBeUndefined();
      });

      it('recordKeyUsage stamps lastUsedAt per key, never moving it back', async () => {
        const { workspaceId, apiId } = await fixture();
        const [a, b, c] = [await newKey(workspaceId, apiId), await newKey(workspaceId, apiId), await newKey(workspaceId, apiId)];
        await store.recordKeyUsage(new Map([[a.id, NOW + 10], [b.id, NOW + 20]]));
        expect((await store.findKey(workspaceId, a.id))!.lastUsedAt).toBe(NOW + 10);
        expect((await store.findKey(workspaceId, b.id))!.lastUsedAt).toBe(NOW + 20);
        expect((await store.findKey(workspaceId, c.id))!.lastUsedAt).toBeNull();
        // Another node flushing an older use later must not overwrite the newer time.
        await store.recordKeyUsage(new Map([[a.id, NOW + 30], [b.id, NOW + 5]]));
        expect((await store.findKey(workspaceId, a.id))!.lastUsedAt).toBe(NOW + 30);
        expect((await store.findKey(workspaceId, b.id))!.lastUsedAt).toBe(NOW + 20);
      });

      it('recordKeyUsage writes a flush of more than one statement\'s worth (1,100 keys), unknown ids ignored', async () => {
        const { workspaceId, apiId } = await fixture();
        const rows = await store.transaction(async (tx) => {
          const made: NewKeyRow[] = [];
          for (let i = 0; i < 1_100; i++) made.push(await newKey(workspaceId, apiId, {}, tx));
          return made;
        });
        const usage = new Map(rows.map((row, i) => [row.id, NOW + i]));
        usage.set(newId('key', NOW), NOW);
        await store.recordKeyUsage(usage);
        for (const i of [0, 499, 500, 999, 1_000, 1_099]) expect((await store.findKey(workspaceId, rows[i]!.id))!.lastUsedAt).toBe(NOW + i);
      });

      it('refillCredits sets remaining to the amount on the due day (daily at 00:00 UTC, monthly on the day or the last day)', async () => {
        await withOwnStore(async (own) => {
          const jan1 = Date.UTC(2026, 0, 1, 10, 0);
          const workspaceId = await newWorkspace(own);
          const { id: apiId } = await newApi(workspaceId, own);
          const key = (fields: Partial<NewKeyRow>) => newKey(workspaceId, apiId, { createdAt: jan1, ...fields }, own);
          const daily = await key({ remaining: 3, refill: { amount: 10, day: null } });
          const on15th = await key({ remaining: 0, refill: { amount: 7, day: 15 } });
          const on31st = await key({ remaining: 0, refill: { amount: 5, day: 31 } });
          const plain = await key({ remaining: 2 });
          const deleted = await key({ remaining: 0, refill: { amount: 10, day: null } });
          await own.softDeleteKey(deleted.id, jan1);
          const credits = async () => Promise.all([daily, on15th, on31st, plain].map((k) => own.readCredits(k.id)));

          // Created (and so last refilled) today: nothing is due until tomorrow.
          expect(await own.refillCredits(Date.UTC(2026, 0, 1, 23, 59))).toBe(0);
          expect(await own.refillCredits(Date.UTC(2026, 0, 2, 0, 0))).toBe(1);
          expect(await credits()).toEqual([10, 0, 0, 2]);
          // Once per day: spending and asking again the same day does not refill.
          await own.spendCredits(daily.id, 4);
          expect(await own.refillCredits(Date.UTC(2026, 0, 2, 18, 0))).toBe(0);
          expect(await credits()).toEqual([6, 0, 0, 2]);

          expect(await own.refillCredits(Date.UTC(2026, 0, 14, 12))).toBe(1);
          expect(await own.refillCredits(Date.UTC(2026, 0, 15, 12))).toBe(2);
          expect(await credits()).toEqual([10, 7, 0, 2]);
          expect(await own.refillCredits(Date.UTC(2026, 0, 31, 12))).toBe(2);
          expect(await credits()).toEqual([10, 7, 5, 2]);
          // February 2026 has 28 days: a day-31 refill happens on the 28th.
          await own.changeCredits(on31st.id, 'set', 1);
          expect(await own.refillCredits(Date.UTC(2026, 1, 27, 12))).toBe(1);
          expect(await own.readCredits(on31st.id)).toBe(1);
          expect(await own.refillCredits(Date.UTC(2026, 1, 28, 12))).toBe(2);
          expect(await credits()).toEqual([10, 7, 5, 2]);
        });
      });

      it('soft delete hides a key but keeps its row; purge removes it and everything attached', async () => {
        const { workspaceId, apiId } = await fixture();
        const soft = await newKey(workspaceId, apiId, { remaining: 1 });
        await store.softDeleteKey(soft.id, NOW + 1);
        expect(await store.findKey(workspaceId, soft.id)).toBeUndefined();
        expect(await store.findKeyByHash(soft.hash)).toBeUndefined();
        expect(await store.listKeys({ workspaceId, apiId, limit: 10 })).toEqual([]);
        // The row is still there: its id cannot be reused.
        await expect(store.insertKey({ ...keyRow(workspaceId, apiId), id: soft.id })).rejects.toThrow();

        const purged = await newKey(workspaceId, apiId, { remaining: 1 });
        await store.replaceKeyRatelimits(workspaceId, purged.id, [limit('per_minute')], NOW);
        await store.setKeyPermissions(workspaceId, purged.id, ['docs.read'], NOW);
        await store.purgeKey(purged.id);
        expect(await store.findKeyByHash(purged.hash)).toBeUndefined();
        expect(await store.readCredits(purged.id)).toBeUndefined();
        // Re-inserting the same id and hash works, and nothing of the purged key comes back with it.
        await store.insertKey({ ...purged, remaining: null });
        expect(await store.findKey(workspaceId, purged.id)).toMatchObject({ ratelimits: [], permissions: [], remaining: null });
      });
    });

    describe('permissions and roles', () => {
      const permission = (workspaceId: string, slug: string, fields: { name?: string; description?: string | null } = {}) => ({
        id: newId('permission', NOW), workspaceId, name: fields.name ?? slug, slug, description: fields.description ?? null, createdAt: NOW,
      });
      const role = (workspaceId: string, name: string, description: string | null = null) =>
        ({ id: newId('role', NOW), workspaceId, name, description, createdAt: NOW });
      const record = ({ id, name, slug, description }: ReturnType<typeof permission>) => ({ id, name, slug, description });

      it('insertPermission refuses a duplicate slug (also when raced); find by id or slug, the id winning', async () => {
        const workspaceId = await newWorkspace();
        const read = permission(workspaceId, 'docs.read', { name: 'Read docs', description: 'may read' });
        expect(await store.insertPermission(read)).toBe(true);
        expect(await store.insertPermission(permission(workspaceId, 'docs.read'))).toBe(false);
        expect(await store.findPermission(workspaceId, read.id)).toEqual(record(read));
        expect(await store.findPermission(workspaceId, 'docs.read')).toEqual(record(read));
        expect(await store.findPermission(await newWorkspace(), read.id)).toBeUndefined();
        expect(await store.insertPermission(permission(await newWorkspace(), 'docs.read'))).toBe(true);

        // A slug that spells another permission's id does not hide that permission.
        const lookalike = permission(workspaceId, read.id);
        expect(await store.insertPermission(lookalike)).toBe(true);
        expect((await store.findPermission(workspaceId, read.id))?.slug).toBe('docs.read');

        const raced = await Promise.all(Array.from({ length: 10 }, () => store.insertPermission(permission(workspaceId, 'raced'))));
        expect(raced.filter(Boolean)).toHaveLength(1);
      });

      it('findPermissionsBySlug returns the existing ones ordered by slug', async () => {
        const workspaceId = await newWorkspace();
        for (const slug of ['b', 'a', 'c']) await store.insertPermission(permission(workspaceId, slug));
        const found = await store.findPermissionsBySlug(workspaceId, ['c', 'missing', 'a', 'c']);
        expect(found.map((p) => p.slug)).toEqual(['a', 'c']);
        expect(await store.findPermissionsBySlug(workspaceId, [])).toEqual([]);
        expect(await store.findPermissionsBySlug(await newWorkspace(), ['a'])).toEqual([]);
      });

      it('lists permissions by id, page by page, searching id, name, slug and description', async () => {
        const workspaceId = await newWorkspace();
        const rows = [
          permission(workspaceId, 'billing.read', { name: 'Billing reader' }),
          permission(workspaceId, 'docs.write', { description: 'Edits the BILLING docs' }),
          permission(workspaceId, 'admin'),
        ];
        for (const row of rows) await store.insertPermission(row);
        await store.insertPermission(permission(await newWorkspace(), 'billing.other'));
        const first = await store.listPermissions({ workspaceId, limit: 2 });
        const second = await store.listPermissions({ workspaceId, limit: 2, cursor: first.at(-1)!.id });
        expect([...first, ...second]).toEqual(rows.map(record));
        const search = async (text: string) => (await store.listPermissions({ workspaceId, search: text, limit: 10 })).map((p) => p.slug);
        expect(await search('billing')).toEqual(['billing.read', 'docs.write']);
        expect(await search('READER')).toEqual(['billing.read']);
        expect(await search(rows[2]!.id)).toEqual(['admin']);
        expect(await search('%')).toEqual([]);
      });

      it('roles: insert refuses a duplicate name; find by id or name, by names, and list, each with permissions', async () => {
        const workspaceId = await newWorkspace();
        const admin = role(workspaceId, 'admin', 'Everything');
        const viewer = role(workspaceId, 'viewer');
        expect(await store.insertRole(admin)).toBe(true);
        expect(await store.insertRole(viewer)).toBe(true);
        expect(await store.insertRole(role(workspaceId, 'admin'))).toBe(false);
        await store.setRolePermissions(workspaceId, admin.id, ['docs.write', 'docs.read'], NOW);

        const adminRecord = (await store.findRole(workspaceId, admin.id))!;
        expect(adminRecord).toMatchObject({ id: admin.id, name: 'admin', description: 'Everything' });
        expect(adminRecord.permissions.map((p) => p.slug)).toEqual(['docs.read', 'docs.write']);
        expect(await store.findRole(workspaceId, 'admin')).toEqual(adminRecord);
        expect(await store.findRole(await newWorkspace(), admin.id)).toBeUndefined();

        expect((await store.findRolesByName(workspaceId, ['viewer', 'ghost', 'admin'])).map((r) => r.name)).toEqual(['admin', 'viewer']);
        expect(await store.listRoles({ workspaceId, limit: 10 })).toEqual([adminRecord, { id: viewer.id, name: 'viewer', description: null, permissions: [] }]);
        expect((await store.listRoles({ workspaceId, limit: 10, search: 'EVERY' })).map((r) => r.name)).toEqual(['admin']);
        expect((await store.listRoles({ workspaceId, limit: 1, cursor: admin.id })).map((r) => r.name)).toEqual(['viewer']);
      });

      it('setRolePermissions replaces the set, creating missing permissions; keys with the role see them', async () => {
        const { workspaceId, apiId } = await fixture();
        const editor = role(workspaceId, 'editor');
        await store.insertRole(editor);
        const key = await newKey(workspaceId, apiId);
        expect(await store.setKeyRoles(workspaceId, key.id, ['editor'], NOW)).toEqual([]);
        await store.setRolePermissions(workspaceId, editor.id, ['a', 'b'], NOW);
        await store.setRolePermissions(workspaceId, editor.id, ['b', 'c'], NOW + 1);
        expect((await store.findRole(workspaceId, editor.id))!.permissions.map((p) => p.slug)).toEqual(['b', 'c']);
        expect(await store.findKeyByHash(key.hash)).toMatchObject({ roles: ['editor'], rolePermissions: ['b', 'c'], permissions: [] });
        // The permission the role no longer has still exists in the workspace.
        expect(await store.findPermission(workspaceId, 'a')).toBeDefined();
      });

      it('setKeyRoles replaces the roles of a key when they all exist', async () => {
        const { workspaceId, apiId } = await fixture();
        for (const name of ['r1', 'r2', 'r3']) await store.insertRole(role(workspaceId, name));
        const key = await newKey(workspaceId, apiId);
        expect(await store.setKeyRoles(workspaceId, key.id, ['r1', 'r2'], NOW)).toEqual([]);
        expect((await store.findKey(workspaceId, key.id))!.roles).toEqual(['r1', 'r2']);
        // One unknown name: reported, and the key keeps what it had.
        expect(await store.setKeyRoles(workspaceId, key.id, ['r3', 'nope'], NOW)).toEqual(['nope']);
        expect((await store.findKey(workspaceId, key.id))!.roles).toEqual(['r1', 'r2']);
        expect(await store.setKeyRoles(workspaceId, key.id, ['r3'], NOW)).toEqual([]);
        expect((await store.findKey(workspaceId, key.id))!.roles).toEqual(['r3']);
        // Another workspace's role of the same name is not this workspace's role.
        const elsewhere = await newWorkspace();
        await store.insertRole(role(elsewhere, 'only_there'));
        expect(await store.setKeyRoles(workspaceId, key.id, ['only_there'], NOW)).toEqual(['only_there']);
      });

      it('add and remove key permissions: adding keeps what is there, removing ignores what is not', async () => {
        const { workspaceId, apiId } = await fixture();
        const key = await newKey(workspaceId, apiId);
        await store.setKeyPermissions(workspaceId, key.id, ['a'], NOW);
        await store.addKeyPermissions(workspaceId, key.id, ['b', 'a', 'b'], NOW);
        await store.addKeyPermissions(workspaceId, key.id, ['b'], NOW);
        expect((await store.findKey(workspaceId, key.id))!.permissions).toEqual(['a', 'b']);
        const [a] = await store.findPermissionsBySlug(workspaceId, ['a']);
        const unrelated = permission(workspaceId, 'unrelated');
        await store.insertPermission(unrelated);
        await store.removeKeyPermissions(key.id, [a!.id, unrelated.id]);
        await store.removeKeyPermissions(key.id, []);
        expect((await store.findKey(workspaceId, key.id))!.permissions).toEqual(['b']);
      });

      it('add and remove key roles: adding keeps what is there, removing ignores what is not', async () => {
        const { workspaceId, apiId } = await fixture();
        const [r1, r2] = [role(workspaceId, 'r1'), role(workspaceId, 'r2')];
        for (const r of [r1, r2]) await store.insertRole(r);
        const key = await newKey(workspaceId, apiId);
        await store.addKeyRoles(workspaceId, key.id, [r1.id], NOW);
        await store.addKeyRoles(workspaceId, key.id, [r1.id, r2.id, r2.id], NOW);
        expect((await store.findKey(workspaceId, key.id))!.roles).toEqual(['r1', 'r2']);
        await store.removeKeyRoles(key.id, [r1.id, newId('role', NOW)]);
        await store.removeKeyRoles(key.id, []);
        expect((await store.findKey(workspaceId, key.id))!.roles).toEqual(['r2']);
      });

      it('deleting a permission or a role detaches it from keys and roles; never in another workspace', async () => {
        const { workspaceId, apiId } = await fixture();
        const reader = role(workspaceId, 'reader');
        await store.insertRole(reader);
        await store.setRolePermissions(workspaceId, reader.id, ['docs.read', 'docs.list'], NOW);
        const key = await newKey(workspaceId, apiId);
        await store.setKeyPermissions(workspaceId, key.id, ['docs.read'], NOW);
        await store.addKeyRoles(workspaceId, key.id, [reader.id], NOW);
        const docsRead = (await store.findPermission(workspaceId, 'docs.read'))!;

        expect(await store.deletePermission(await newWorkspace(), docsRead.id)).toBe(false);
        expect(await store.deletePermission(workspaceId, docsRead.id)).toBe(true);
        expect(await store.deletePermission(workspaceId, docsRead.id)).toBe(false);
        expect(await store.findPermission(workspaceId, 'docs.read')).toBeUndefined();
        expect(await store.findKey(workspaceId, key.id)).toMatchObject({ permissions: [], rolePermissions: ['docs.list'] });
        expect((await store.findRole(workspaceId, reader.id))!.permissions.map((p) => p.slug)).toEqual(['docs.list']);

        expect(await store.deleteRole(await newWorkspace(), reader.id)).toBe(false);
        expect(await store.deleteRole(workspaceId, reader.id)).toBe(true);
        expect(await store.deleteRole(workspaceId, reader.id)).toBe(false);
        expect(await store.findRole(workspaceId, 'reader')).toBeUndefined();
        expect(await store.findKey(workspaceId, key.id)).toMatchObject({ roles: [], rolePermissions: [] });
        // The role's name is free again.
        expect(await store.insertRole(role(workspaceId, 'reader'))).toBe(true);
      });
    });

    describe('audit', () => {
      it('appends records and lists them oldest first with every filter, scoped to the workspace', async () => {
        const workspaceId = await newWorkspace();
        const stranger = await newWorkspace();
        const entry = (ws: string, offset: number, event: string, actorId: string, resources: AuditEntry['resources']): AuditEntry => ({
          id: newId('auditLog', NOW + offset), workspaceId: ws, event, time: NOW + offset,
          actor: { type: 'root_key', id: actorId, name: actorId === 'rk_1' ? 'one' : null },
          description: `${event} ${offset}`, resources,
          sourceIp: offset === 1000 ? '192.0.2.1' : null, userAgent: offset === 1000 ? 'curl/8' : null, requestId: offset === 1000 ? 'req_abc' : null,
        });
        const e1 = entry(workspaceId, 1000, 'api.create', 'rk_1', [{ type: 'api', id: 'api_x', name: 'x' }]);
        // The same resource twice in one record is listed once by a resource filter.
        const e2 = entry(workspaceId, 2000, 'key.create', 'rk_2', [{ type: 'api', id: 'api_x' }, { type: 'key', id: 'key_x' }, { type: 'key', id: 'key_x' }]);
        const e3 = entry(workspaceId, 3000, 'key.update', 'rk_1', []);
        const foreign = entry(stranger, 1500, 'api.create', 'rk_1', [{ type: 'api', id: 'api_x' }]);
        for (const e of [e1, foreign, e2, e3]) await store.appendAudit(e);

        const list = async (q: Partial<Parameters<Store['listAudit']>[0]>) =>
          (await store.listAudit({ workspaceId, limit: 100, ...q })).map((e) => e.id);
        expect(await store.listAudit({ workspaceId, limit: 100 })).toEqual([e1, e2, e3]);
        expect(await list({ events: ['key.create', 'key.update'] })).toEqual([e2.id, e3.id]);
        expect(await list({ actorId: 'rk_1' })).toEqual([e1.id, e3.id]);
        expect(await list({ resourceId: 'api_x' })).toEqual([e1.id, e2.id]);
        expect(await list({ resourceId: 'key_x' })).toEqual([e2.id]);
        expect(await list({ since: NOW + 2000 })).toEqual([e2.id, e3.id]);
        expect(await list({ until: NOW + 2000 })).toEqual([e1.id, e2.id]);
        expect(await list({ cursor: e1.id })).toEqual([e2.id, e3.id]);
        expect(await list({ limit: 2 })).toEqual([e1.id, e2.id]);
        expect(await list({ events: ['api.create', 'key.update'], actorId: 'rk_1', since: NOW + 1001, until: NOW + 3000 })).toEqual([e3.id]);
        expect(await store.listAudit({ workspaceId: stranger, limit: 100, resourceId: 'api_x' })).toEqual([foreign]);
      });
    });

    describe('transactions', () => {
      it('commits together and sees its own writes', async () => {
        const { workspaceId, key } = await store.transaction(async (tx) => {
          const ws = await newWorkspace(tx);
          const api = await newApi(ws, tx);
          const row = await newKey(ws, api.id, {}, tx);
          expect(await tx.findKey(ws, row.id)).toBeDefined();
          return { workspaceId: ws, key: row };
        });
        expect(await store.findKey(workspaceId, key.id)).toMatchObject({ id: key.id });
      });

      it('an error thrown after writes leaves nothing behind', async () => {
        const { workspaceId, apiId } = await fixture();
        const existing = await newKey(workspaceId, apiId, { remaining: 10 });
        const rootKey = generateKey(32, 'kw_root');
        let written: { wsId: string; apiId: string; key: NewKeyRow } | undefined;
        const failure = new Error('abort after writes');

        await expect(
          store.transaction(async (tx) => {
            const wsId = await newWorkspace(tx);
            const api = await newApi(wsId, tx);
            const key = await newKey(wsId, api.id, {}, tx);
            written = { wsId, apiId: api.id, key };
            await tx.insertRootKey({
              id: newId('rootKey', NOW), workspaceId: wsId, name: null, hash: rootKey.hash, start: rootKey.start,
              permissions: [], createdAt: NOW, expires: null, createdBy: null,
            });
            await tx.upsertIdentity(wsId, 'ghost', NOW);
            await tx.appendAudit({
              id: newId('auditLog', NOW), workspaceId: wsId, event: 'x.y', time: NOW, actor: { type: 'system', id: 'test' },
              description: 'never', resources: [{ type: 'api', id: api.id }], sourceIp: null, userAgent: null, requestId: null,
            });
            expect(await tx.changeCredits(existing.id, 'set', 99)).toBe(99);
            await tx.updateKey(existing.id, { name: 'never' }, NOW + 1);
            throw failure;
          }),
        ).rejects.toBe(failure);

        expect(written).toBeDefined();
        expect(await store.findApi(written!.wsId, written!.apiId)).toBeUndefined();
        expect(await store.findKeyByHash(written!.key.hash)).toBeUndefined();
        expect(await store.findRootKeyByHash(rootKey.hash)).toBeUndefined();
        expect(await store.findIdentityIdByExternalId(written!.wsId, 'ghost')).toBeUndefined();
        expect(await store.listAudit({ workspaceId: written!.wsId, limit: 10 })).toEqual([]);
        expect(await store.findKey(workspaceId, existing.id)).toMatchObject({ remaining: 10, name: null, updatedAt: null });
        // The workspace id is free again, so the workspace row was rolled back too.
        await expect(store.insertWorkspace({ id: written!.wsId, name: 'again', enabled: true, createdAt: NOW })).resolves.toBeUndefined();
      });
    });
  });
}
