import { describe, expect, it } from 'vitest';
import { MemoryLimiter } from './memory.js';

/**
 * The memory limiter's bounds (bounded-counters.ts): which window goes first, and what an evicted window means.
 * Keys are scoped `<workspace>:...` as every caller scopes them.
 */

const T0 = Date.UTC(2026, 0, 1);
const MINUTE = 60_000;

const limiterWith = (maxCounters: number, maxPerWorkspace: number) => new MemoryLimiter({ maxCounters, maxPerWorkspace });

/** One check of `workspace:id` at limit 1 per minute; true when admitted. */
async function hit(limiter: MemoryLimiter, key: string, now = T0, limit = 1): Promise<boolean> {
  return (await limiter.check([{ key, limit, duration: MINUTE, cost: 1 }], now))[0]!.success;
}

describe('MemoryLimiter bounds', () => {
  it('past its workspace cap, a workspace loses its own least recently used window, never another workspace', async () => {
    const limiter = limiterWith(1_000, 3);
    expect(await hit(limiter, 'victim:a')).toBe(true);
    for (const id of ['a', 'b', 'c']) expect(await hit(limiter, `flood:${id}`)).toBe(true);
    expect(await hit(limiter, 'flood:a')).toBe(false); // refused, and so the most recently used
    expect(await hit(limiter, 'flood:d')).toBe(true); // evicts flood:b, the least recently used
    for (let i = 0; i < 100; i++) await hit(limiter, `flood:fresh${i}`);
    expect([limiter.sizeOf('flood'), limiter.sizeOf('victim'), limiter.size]).toEqual([3, 1, 4]);
    // Exact for what stayed: the victim's window is still full.
    expect(await hit(limiter, 'victim:a')).toBe(false);
  });

  it('gives a window checked again a second chance over windows seen once, oldest first', async () => {
    const limiter = limiterWith(1_000, 3);
    for (const id of ['a', 'b', 'c']) await hit(limiter, `ws:${id}`);
    await hit(limiter, 'ws:a', T0, 10); // a is used again
    await hit(limiter, 'ws:d'); // b goes: a had its second chance, and moved behind c
    await hit(limiter, 'ws:e'); // c goes
    await hit(limiter, 'ws:f'); // a goes now: not used since eviction passed it
    expect(await hit(limiter, 'ws:d')).toBe(false);
    expect(await hit(limiter, 'ws:e')).toBe(false);
    expect(await hit(limiter, 'ws:b')).toBe(true);
  });

  it('keeps a window that is refused again and again: a refusal counts as use', async () => {
    const limiter = limiterWith(1_000, 3);
    expect(await hit(limiter, 'ws:blocked')).toBe(true);
    for (let i = 0; i < 20; i++) {
      expect(await hit(limiter, 'ws:blocked')).toBe(false);
      await hit(limiter, `ws:other${i}`);
    }
    expect(limiter.sizeOf('ws')).toBe(3);
  });

  it('an evicted window starts again at zero (the documented cost of the bound)', async () => {
    const limiter = limiterWith(1_000, 2);
    expect(await hit(limiter, 'ws:a')).toBe(true); // at its limit of 1
    await hit(limiter, 'ws:b');
    await hit(limiter, 'ws:c'); // evicts ws:a, seen once and the oldest
    expect(await hit(limiter, 'ws:a')).toBe(true);
  });

  it('past the global cap, trims the workspaces holding the most; one holding fewer loses nothing', async () => {
    const limiter = limiterWith(300, 1_000);
    for (let i = 0; i < 10; i++) await hit(limiter, `small:${i}`);
    for (let i = 0; i < 1_000; i++) {
      await hit(limiter, `big1:${i}`);
      await hit(limiter, `big2:${i}`);
    }
    expect(limiter.size).toBeLessThanOrEqual(300);
    expect(limiter.sizeOf('small')).toBe(10);
    // The two flooders share the rest about equally (trimmed to a common level, one percent at a time).
    expect(Math.abs(limiter.sizeOf('big1') - limiter.sizeOf('big2'))).toBeLessThanOrEqual(3);
    for (let i = 0; i < 10; i++) expect(await hit(limiter, `small:${i}`)).toBe(false);
    // The flooders' most recent windows are exact too.
    expect(await hit(limiter, 'big2:999')).toBe(false);
  });

  it('sweeps expired windows a few per check, without a full pass', async () => {
    const limiter = limiterWith(100_000, 100_000);
    for (let i = 0; i < 1_000; i++) await hit(limiter, `ws${i % 7}:${i}`);
    expect(limiter.size).toBe(1_000);
    // Two windows later every one of them is expired; each check looks at a handful.
    const later = T0 + 2 * MINUTE;
    await hit(limiter, 'ws0:live', later);
    expect(limiter.size).toBeGreaterThan(990);
    for (let i = 0; i < 400; i++) await hit(limiter, 'ws0:live', later, 1_000);
    expect(limiter.size).toBe(1);
    expect(await hit(limiter, 'ws0:live', later, 401)).toBe(false);
  });

  it('keeps a window for the whole of the next one (its count still weighs there)', async () => {
    const limiter = limiterWith(100_000, 100_000);
    for (let i = 0; i < 10; i++) await hit(limiter, 'ws:a', T0, 10);
    // 1.5 windows later, half of the previous window still counts: 5 of 10 are left. No sweep may drop it.
    const later = T0 + MINUTE + MINUTE / 2;
    for (let i = 0; i < 100; i++) await hit(limiter, `ws:other${i}`, later);
    const [decision] = await limiter.check([{ key: 'ws:a', limit: 10, duration: MINUTE, cost: 1 }], later);
    expect(decision).toMatchObject({ success: true, remaining: 4 });
  });
});
