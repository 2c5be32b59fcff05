import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Limiter } from './limiter.js';

/**
 * The one conformance suite every Limiter runs. Keys are unique per test, so implementations that
 * share state (Redis) need no cleanup between tests. Time is passed explicitly: no sleeping.
 */
export function limiterConformance(name: string, open: () => Promise<Limiter>): void {
  describe(`Limiter conformance: ${name}`, () => {
    let limiter: Limiter;
    let n = 0;
    const key = () => `suite:${Date.now()}:${Math.random().toString(36).slice(2)}:${n++}`;
    const T0 = Date.UTC(2026, 0, 1); // a window boundary for every duration used below

    beforeAll(async () => {
      limiter = await open();
    });
    afterAll(async () => {
      await limiter.close();
    });

    it('admits exactly the limit within one window, then denies with remaining 0 and the window end as reset', async () => {
      const k = key();
      const results = [];
      for (let i = 0; i < 12; i++) results.push((await limiter.check([{ key: k, limit: 10, duration: 60_000, cost: 1 }], T0 + 1000))[0]!);
      expect(results.filter((r) => r.success)).toHaveLength(10);
      expect(results.map((r) => r.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0]);
      expect(results.every((r) => r.reset === T0 + 60_000)).toBe(true);
    });

    it('decides checks asked at once one after another, in the order asked, each request all or nothing', async () => {
      const k = key();
      const other = key();
      const one = (cost: number) => limiter.check([{ key: k, limit: 10, duration: 60_000, cost }], T0 + 1000);
      const asked = [
        ...Array.from({ length: 4 }, () => one(1)),
        // Its second check fails, so its first charges nothing: the requests after it still find 6 left.
        limiter.check(
          [
            { key: k, limit: 10, duration: 60_000, cost: 1 },
            { key: other, limit: 1, duration: 60_000, cost: 2 },
          ],
          T0 + 1000,
        ),
        ...Array.from({ length: 8 }, () => one(1)),
      ];
      const results = await Promise.all(asked);
      expect(results[4]).toEqual([
        { success: true, remaining: 6, reset: T0 + 60_000 },
        { success: false, remaining: 0, reset: T0 + 60_000 },
      ]);
      const singles = results.filter((_, i) => i !== 4).map((r) => r[0]!);
      expect(singles.map((r) => r.remaining)).toEqual([9, 8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0]);
      expect(singles.map((r) => r.success)).toEqual([...Array(10).fill(true), false, false]);
      expect((await limiter.check([{ key: other, limit: 2, duration: 60_000, cost: 0 }], T0 + 1000))[0]!.remaining).toBe(2);
    });

    it('weights the previous window by its remaining overlap', async () => {
      const k = key();
      for (let i = 0; i < 10; i++) await limiter.check([{ key: k, limit: 10, duration: 10_000, cost: 1 }], T0 + 5000);
      // 25% into the next window: 75% of the previous 10 still count -> 7 used, 3 left.
      const at = T0 + 12_500;
      const first = (await limiter.check([{ key: k, limit: 10, duration: 10_000, cost: 1 }], at))[0]!;
      expect(first).toEqual({ success: true, remaining: 2, reset: T0 + 20_000 });
      await limiter.check([{ key: k, limit: 10, duration: 10_000, cost: 2 }], at);
      expect((await limiter.check([{ key: k, limit: 10, duration: 10_000, cost: 1 }], at))[0]!.success).toBe(false);
      // Two windows later the old counts are gone.
      expect((await limiter.check([{ key: k, limit: 10, duration: 10_000, cost: 10 }], T0 + 30_000))[0]!).toEqual({
        success: true,
        remaining: 0,
        reset: T0 + 40_000,
      });
    });

    it('charges cost > 1 and treats cost 0 as a pure check that passes exactly at the limit', async () => {
      const k = key();
      expect((await limiter.check([{ key: k, limit: 5, duration: 60_000, cost: 5 }], T0))[0]).toMatchObject({
        success: true,
        remaining: 0,
      });
      expect((await limiter.check([{ key: k, limit: 5, duration: 60_000, cost: 0 }], T0))[0]).toMatchObject({
        success: true,
        remaining: 0,
      });
      expect((await limiter.check([{ key: k, limit: 5, duration: 60_000, cost: 1 }], T0))[0]).toMatchObject({
        success: false,
        remaining: 0,
      });
      const big = key();
      expect((await limiter.check([{ key: big, limit: 5, duration: 60_000, cost: 6 }], T0))[0]!.success).toBe(false);
      // A denied request consumed nothing.
      expect((await limiter.check([{ key: big, limit: 5, duration: 60_000, cost: 5 }], T0))[0]!.success).toBe(true);
    });

    it('denies everything at limit 0', async () => {
      expect((await limiter.check([{ key: key(), limit: 0, duration: 60_000, cost: 0 }], T0))[0]).toMatchObject({
        success: false,
        remaining: 0,
      });
    });

    it('counts the same key with another duration separately', async () => {
      const k = key();
      await limiter.check([{ key: k, limit: 1, duration: 60_000, cost: 1 }], T0);
      expect((await limiter.check([{ key: k, limit: 1, duration: 60_000, cost: 1 }], T0))[0]!.success).toBe(false);
      expect((await limiter.check([{ key: k, limit: 1, duration: 30_000, cost: 1 }], T0))[0]!.success).toBe(true);
    });

    it('is all-or-nothing: when one check fails, no counter moves', async () => {
      const a = key();
      const b = key();
      await limiter.check([{ key: b, limit: 1, duration: 60_000, cost: 1 }], T0);
      const batch = await limiter.check(
        [
          { key: a, limit: 5, duration: 60_000, cost: 1 },
          { key: b, limit: 1, duration: 60_000, cost: 1 },
        ],
        T0,
      );
      expect(batch.map((r) => r.success)).toEqual([true, false]);
      expect((await limiter.check([{ key: a, limit: 5, duration: 60_000, cost: 5 }], T0))[0]!.success).toBe(true);
    });

    it('a refused batch reports the checks that passed without any cost of the batch, as upstream (nothing was counted)', async () => {
      const a = key();
      const b = key();
      await limiter.check([{ key: a, limit: 10, duration: 60_000, cost: 2 }], T0);
      await limiter.check([{ key: b, limit: 1, duration: 60_000, cost: 1 }], T0);
      const batch = await limiter.check(
        [
          { key: a, limit: 10, duration: 60_000, cost: 1 },
          { key: a, limit: 10, duration: 60_000, cost: 2 },
          { key: b, limit: 1, duration: 60_000, cost: 1 },
        ],
        T0,
      );
      // Upstream reports 8 for `a` (10 less the 2 counted before), not 7 and 5 as if this refused call had been charged.
      expect(batch.map((r) => [r.success, r.remaining])).toEqual([
        [true, 8],
        [true, 8],
        [false, 0],
      ]);
      expect((await limiter.check([{ key: a, limit: 10, duration: 60_000, cost: 0 }], T0))[0]!.remaining).toBe(8);
    });

    it('counts a key named twice in one batch cumulatively', async () => {
      const k = key();
      const batch = await limiter.check(
        [
          { key: k, limit: 3, duration: 60_000, cost: 2 },
          { key: k, limit: 3, duration: 60_000, cost: 2 },
        ],
        T0,
      );
      expect(batch.map((r) => r.success)).toEqual([true, false]);
      expect((await limiter.check([{ key: k, limit: 3, duration: 60_000, cost: 3 }], T0))[0]!.success).toBe(true);
    });

    it('admits exactly 100 of 1,000 concurrent requests', async () => {
      const k = key();
      const results = await Promise.all(
        Array.from({ length: 1000 }, () => limiter.check([{ key: k, limit: 100, duration: 60_000, cost: 1 }], T0 + 10)),
      );
      expect(results.filter((r) => r[0]!.success)).toHaveLength(100);
    });
  });
}
