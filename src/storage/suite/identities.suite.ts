import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import type { Store } from '../store.js';
import { NOW, limit, type StoreSuite } from './fixtures.js';

export function identityCases(suite: StoreSuite): void {
  describe('identities', () => {
    const { newWorkspace, newKey, fixture } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

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
      expect(await store.findIdentity(workspaceId, 'org_1')).toEqual({
        id: first.id,
        externalId: 'org_1',
        meta: { tier: 'gold' },
        ratelimits: [],
      });
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
      for (const externalId of ['Acme_Corp', 'acme%labs', 'beta', 'ACMEX', 'gone_acme'])
        ids.push(await store.upsertIdentity(workspaceId, externalId, NOW));
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

      const search = async (text: string) =>
        (await store.listIdentities({ workspaceId, search: text, limit: 10 })).map((r) => r.externalId).sort();
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
      expect((await store.findKeyByHash(workspaceId, key.hash))!.identity!.ratelimits).toEqual(expected);
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
      expect(await store.insertIdentity({ id: newId('identity', NOW), workspaceId, externalId: 'leaving', meta: {}, createdAt: NOW })).toBe(
        true,
      );
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
      await expect(
        store.transaction(async (tx) => {
          await tx.softDeleteIdentity(workspaceId, first, NOW + 1);
          throw new Error('abandoned');
        }),
      ).rejects.toThrow('abandoned');
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
}
