import { beforeAll, describe, expect, it } from 'vitest';
import { MAX_COUNT } from '../../core/bounds.js';
import { newId } from '../../core/ids.js';
import type { NewKeyRow, Spend, SpendCondition, Store } from '../store.js';
import { NOW, type StoreSuite } from './fixtures.js';

/** A verification's condition for a key never changed since it was inserted (updated_at null), at NOW. */
const UNCHANGED: SpendCondition = { now: NOW, updatedAt: null };

/** The balance a spend left, or undefined when it charged nothing. */
async function left(spend: Promise<Spend>): Promise<number | undefined> {
  const outcome = await spend;
  return outcome.charged ? outcome.remaining : undefined;
}

export function creditCases(suite: StoreSuite): void {
  describe('credits', () => {
    const { withOwnStore, newWorkspace, newApi, newKey, fixture } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
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

    it('changeCredits never increments past MAX_COUNT: undefined, and the balance stays', async () => {
      const { workspaceId, apiId } = await fixture();
      const row = await newKey(workspaceId, apiId, { remaining: MAX_COUNT - 1 });
      expect(await store.changeCredits(row.id, 'increment', 2)).toBeUndefined();
      expect(await store.readCredits(row.id)).toBe(MAX_COUNT - 1);
      expect(await store.changeCredits(row.id, 'increment', 1)).toBe(MAX_COUNT);
      expect(await store.readCredits(row.id)).toBe(MAX_COUNT);
    });

    it('spendCredits is exact under 100 concurrent calls and never overspends', async () => {
      const { workspaceId, apiId } = await fixture();
      const row = await newKey(workspaceId, apiId, { remaining: 50 });
      const results = await Promise.all(Array.from({ length: 100 }, () => left(store.spendCredits(row.id, 1, UNCHANGED))));
      const spent = results.filter((r): r is number => r !== undefined);
      expect(spent).toHaveLength(50);
      // Every successful spend saw a distinct balance: no two calls took the same credit.
      expect(new Set(spent).size).toBe(50);
      expect(Math.min(...spent)).toBe(0);
      expect(await store.readCredits(row.id)).toBe(0);

      const costly = await newKey(workspaceId, apiId, { remaining: 5 });
      expect(await store.spendCredits(costly.id, 6, UNCHANGED)).toEqual({
        charged: false,
        key: { live: true, enabled: true, expires: null, remaining: 5, updatedAt: null },
      });
      expect(await left(store.spendCredits(costly.id, 5, UNCHANGED))).toBe(0);
      expect(await left(store.spendCredits(costly.id, 0, UNCHANGED))).toBe(0);
    });

    it('concurrent spends of mixed costs and conditions on one key are each decided, in order, on what the ones before left', async () => {
      const { workspaceId, apiId } = await fixture();
      const row = await newKey(workspaceId, apiId, { remaining: 10 });
      const outcomes = await Promise.all([
        store.spendCredits(row.id, 4, UNCHANGED),
        store.spendCredits(row.id, 4, UNCHANGED),
        store.spendCredits(row.id, 4, UNCHANGED),
        store.spendCredits(row.id, 1, UNCHANGED),
        store.spendCredits(row.id, 1, { now: NOW, updatedAt: NOW + 1 }),
        store.spendCredits(row.id, 1, UNCHANGED),
      ]);
      const stands = (remaining: number) => ({ live: true, enabled: true, expires: null, remaining, updatedAt: null });
      expect(outcomes).toEqual([
        { charged: true, remaining: 6 },
        { charged: true, remaining: 2 },
        { charged: false, key: stands(2) },
        { charged: true, remaining: 1 },
        // Decided on a record the key no longer matches: refused, whatever the balance.
        { charged: false, key: stands(1) },
        { charged: true, remaining: 0 },
      ]);
      expect(await store.readCredits(row.id)).toBe(0);
    });

    it('spendCredits charges nothing once the key is deleted, disabled, expired at `now`, changed, or of a deleted API; it reports the key as it is', async () => {
      const { workspaceId, apiId } = await fixture();
      const key = (fields: Partial<NewKeyRow> = {}, api = apiId) => newKey(workspaceId, api, { remaining: 10, ...fields });
      const standing = (fields: Record<string, unknown>) => ({
        charged: false,
        key: { live: true, enabled: true, expires: null, remaining: 10, updatedAt: null, ...fields },
      });

      const disabled = await key();
      await store.updateKey(disabled.id, { enabled: false }, NOW);
      expect(await store.spendCredits(disabled.id, 1, { now: NOW, updatedAt: NOW })).toEqual(standing({ enabled: false, updatedAt: NOW }));

      // Live through the instant it expires, as verification counts it.
      const expiring = await key({ expires: NOW });
      expect(await left(store.spendCredits(expiring.id, 1, UNCHANGED))).toBe(9);
      expect(await store.spendCredits(expiring.id, 1, { now: NOW + 1, updatedAt: null })).toEqual(standing({ expires: NOW, remaining: 9 }));

      // Any change since the record the caller decided on (here a rename) refuses; the current updatedAt charges.
      const changed = await key();
      await store.updateKey(changed.id, { name: 'renamed' }, NOW + 5);
      expect(await store.spendCredits(changed.id, 1, UNCHANGED)).toEqual(standing({ updatedAt: NOW + 5 }));
      expect(await left(store.spendCredits(changed.id, 1, { now: NOW, updatedAt: NOW + 5 }))).toBe(9);

      const deleted = await key();
      await store.softDeleteKey(deleted.id, NOW);
      expect(await store.spendCredits(deleted.id, 1, { now: NOW, updatedAt: NOW })).toEqual(standing({ live: false, updatedAt: NOW }));

      const otherApi = (await newApi(workspaceId)).id;
      const ofDeletedApi = await key({}, otherApi);
      await store.softDeleteApi(workspaceId, otherApi, NOW);
      const outcome = await store.spendCredits(ofDeletedApi.id, 1, UNCHANGED);
      expect(outcome).toMatchObject({ charged: false, key: { live: false, remaining: 10 } });

      expect(await store.spendCredits(newId('key', NOW), 1, UNCHANGED)).toEqual({ charged: false, key: undefined });
      for (const k of [disabled, changed, deleted, ofDeletedApi]) expect(await store.readCredits(k.id), k.id).toBe(k === changed ? 9 : 10);
    });

    it('spendCredits: concurrent spends of mixed costs on several keys each behave as if run one after another', async () => {
      const { workspaceId, apiId } = await fixture();
      const keys = [
        await newKey(workspaceId, apiId, { remaining: 20 }),
        await newKey(workspaceId, apiId, { remaining: 7 }),
        await newKey(workspaceId, apiId, { remaining: 0 }),
      ];
      const spends = Array.from({ length: 90 }, (_, i) => ({ key: keys[i % 3]!, cost: (i % 4) + 1 }));
      const results = await Promise.all(spends.map((s) => left(store.spendCredits(s.key.id, s.cost, UNCHANGED))));
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
          spend = left(store.spendCredits(row.id, 3, UNCHANGED));
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
        await own.spendCredits(daily.id, 4, { now: jan1, updatedAt: null });
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
  });
}
