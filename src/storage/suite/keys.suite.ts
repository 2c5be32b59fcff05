import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import { generateKey } from '../../core/key-format.js';
import type { NewKeyRow, Store } from '../store.js';
import { NOW, DAY, keyRow, limit, type StoreSuite } from './fixtures.js';

export function keyCases(suite: StoreSuite): void {
  describe('keys', () => {
    const { withOwnStore, newWorkspace, newApi, newKey, fixture } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

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
}
