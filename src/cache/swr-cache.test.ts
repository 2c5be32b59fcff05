import { describe, expect, it } from 'vitest';
import { TestClock } from '../core/clock.js';
import { SwrCache } from './swr-cache.js';

/** Time moves only by the TestClock; loads finish only when a test resolves them. */

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** A loader that counts its calls and returns what `values` says for the key at call time. */
function counter(values: Record<string, string | undefined> = {}) {
  const calls: string[] = [];
  const load = (key: string) => async () => {
    calls.push(key);
    return key in values ? values[key] : `${key}@${calls.length}`;
  };
  return { calls, load };
}

/** Lets queued promise callbacks run (a background refresh finishing). */
const settle = () => new Promise((resolve) => setImmediate(resolve));

function setup(options: Partial<{ maxEntries: number; maxMisses: number; freshMs: number; staleMs: number }> = {}) {
  const clock = new TestClock(0);
  const cache = new SwrCache<string>({ maxEntries: 100, freshMs: 1000, staleMs: 5000, clock, ...options });
  return { clock, cache };
}

/** A load of 'a' that finishes only when the test resolves it. */
function loadInFlight(cache: SwrCache<string>) {
  const d = deferred<string>();
  return { pending: cache.get('a', () => d.promise), resolve: d.resolve };
}

/** The bulk invalidations, each of which must treat a load in flight as invalidate('a') does. */
const BULK_DROPS = [
  (cache: SwrCache<string>) => cache.invalidateWhere((value) => value.startsWith('ws1:')),
  (cache: SwrCache<string>) => cache.clear(),
];

describe('SwrCache', () => {
  it('serves a fresh entry without loading again', async () => {
    const { clock, cache } = setup();
    const { calls, load } = counter();
    expect(await cache.get('a', load('a'))).toBe('a@1');
    clock.advance(999);
    expect(await cache.get('a', load('a'))).toBe('a@1');
    expect(calls).toEqual(['a']);
  });

  it('serves a stale entry at once and refreshes it in the background, once', async () => {
    const { clock, cache } = setup();
    const loads: Array<ReturnType<typeof deferred<string>>> = [];
    const load = () => {
      const d = deferred<string>();
      loads.push(d);
      return d.promise;
    };
    const first = cache.get('a', load);
    loads[0]!.resolve('v1');
    expect(await first).toBe('v1');

    clock.advance(1000); // fresh until 1000: now stale
    expect(await cache.get('a', load)).toBe('v1');
    expect(await cache.get('a', load)).toBe('v1');
    expect(loads).toHaveLength(2); // one refresh for both stale reads
    loads[1]!.resolve('v2');
    await settle();
    expect(await cache.get('a', load)).toBe('v2');
    expect(loads).toHaveLength(2); // the refresh made the entry fresh again
  });

  it('keeps serving the stale entry when the background refresh fails', async () => {
    const { clock, cache } = setup();
    await cache.get('a', async () => 'v1');
    clock.advance(1500);
    expect(
      await cache.get('a', async () => {
        throw new Error('database down');
      }),
    ).toBe('v1');
    await settle();
    expect(await cache.get('a', async () => 'unused')).toBe('v1');
  });

  it('loads again, and waits for it, once an entry is past fresh + stale', async () => {
    const { clock, cache } = setup();
    const { calls, load } = counter();
    await cache.get('a', load('a'));
    clock.advance(1000 + 5000);
    expect(await cache.get('a', load('a'))).toBe('a@2');
    expect(calls).toHaveLength(2);
  });

  it('caches misses, so an unknown key reaches the loader once', async () => {
    const { clock, cache } = setup();
    const { calls, load } = counter({ ghost: undefined });
    expect(await cache.get('ghost', load('ghost'))).toBeUndefined();
    expect(await cache.get('ghost', load('ghost'))).toBeUndefined();
    expect(calls).toEqual(['ghost']);
    expect([cache.size, cache.missCount]).toEqual([0, 1]);
    clock.advance(6000);
    await cache.get('ghost', load('ghost'));
    expect(calls).toEqual(['ghost', 'ghost']);
  });

  it('shares one load between concurrent gets of a key', async () => {
    const { cache } = setup();
    const d = deferred<string>();
    let calls = 0;
    const load = () => {
      calls++;
      return d.promise;
    };
    const gets = [cache.get('a', load), cache.get('a', load), cache.get('a', load)];
    d.resolve('shared');
    expect(await Promise.all(gets)).toEqual(['shared', 'shared', 'shared']);
    expect(calls).toBe(1);
  });

  it('does not cache a failed load', async () => {
    const { cache } = setup();
    await expect(
      cache.get('a', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await cache.get('a', async () => 'recovered')).toBe('recovered');
  });

  it('an invalidation during a load: the caller gets the result, the cache does not keep it', async () => {
    const { cache } = setup();
    const { pending, resolve } = loadInFlight(cache);
    cache.invalidate('a'); // e.g. the key was revoked while its lookup was in flight
    // A get after the invalidation must not join the load that started before it.
    const after = cache.get('a', async () => 'after revoke');
    resolve('before revoke');
    expect(await pending).toBe('before revoke');
    expect(await after).toBe('after revoke');
    expect(await cache.get('a', async () => 'unused')).toBe('after revoke');
  });

  it('invalidateWhere and clear during a load also keep its result out', async () => {
    for (const drop of BULK_DROPS) {
      const { cache } = setup();
      const { pending, resolve } = loadInFlight(cache);
      drop(cache);
      resolve('ws1:stale');
      expect(await pending).toBe('ws1:stale');
      expect(await cache.get('a', async () => 'ws1:fresh')).toBe('ws1:fresh');
    }
  });

  it('a get after invalidateWhere or clear does not join the load that started before it', async () => {
    for (const drop of BULK_DROPS) {
      const { cache } = setup();
      const { pending, resolve } = loadInFlight(cache);
      drop(cache);
      const after = cache.get('a', async () => 'ws1:after');
      resolve('ws1:before');
      expect(await pending).toBe('ws1:before');
      expect(await after).toBe('ws1:after');
      expect(await cache.get('a', async () => 'unused')).toBe('ws1:after');
    }
  });

  it('invalidateWhere keeps a load out however soon after it resolves it runs (before the cache stores it, or after)', async () => {
    // Each round lets one more promise callback run between the load resolving and the invalidation, until the
    // caller has its value: the result must never be cached across the invalidation at any of those points.
    for (let ticks = 0; ; ticks++) {
      const { cache } = setup();
      const d = deferred<string>();
      let answered = false;
      const pending = cache
        .get('a', () => d.promise)
        .then((value) => {
          answered = true;
          return value;
        });
      d.resolve('ws1:before');
      for (let i = 0; i < ticks; i++) await Promise.resolve();
      const answeredBefore = answered;
      cache.invalidateWhere((value) => value.startsWith('ws1:'));
      expect(await pending).toBe('ws1:before');
      expect(await cache.get('a', async () => 'ws1:after')).toBe('ws1:after');
      if (answeredBefore) break;
    }
  });

  it('keeps the entries read most recently: a read entry outlives an older unread one', async () => {
    const { cache } = setup({ maxEntries: 2 });
    const { calls, load } = counter();
    await cache.get('a', load('a'));
    await cache.get('b', load('b'));
    await cache.get('a', load('a')); // a is now the most recently used
    await cache.get('c', load('c')); // evicts b
    await cache.get('a', load('a'));
    expect(calls).toEqual(['a', 'b', 'c']);
    await cache.get('b', load('b'));
    expect(calls).toEqual(['a', 'b', 'c', 'b']);
  });

  it('invalidate and invalidateWhere drop exactly what they name (misses included for invalidateWhere)', async () => {
    const { cache } = setup();
    for (const [key, value] of [
      ['a', 'ws1:a'],
      ['b', 'ws2:b'],
      ['c', 'ws1:c'],
    ] as const)
      await cache.get(key, async () => value);
    await cache.get('miss', async () => undefined);
    cache.invalidate('a');
    expect(await cache.get('a', async () => 'reloaded')).toBe('reloaded');
    cache.invalidateWhere((value) => value.startsWith('ws1:'));
    expect(await cache.get('b', async () => 'unused')).toBe('ws2:b');
    expect(await cache.get('c', async () => 'ws1:c2')).toBe('ws1:c2');
    // A cached miss may be a key just created in that workspace, so it is dropped too.
    expect(await cache.get('miss', async () => 'now exists')).toBe('now exists');
  });

  it('holds at most maxEntries, evicting the oldest first', async () => {
    const { cache } = setup({ maxEntries: 2 });
    const { calls, load } = counter();
    for (const key of ['a', 'b', 'c']) await cache.get(key, load(key));
    expect(cache.size).toBe(2);
    await cache.get('b', load('b'));
    await cache.get('c', load('c'));
    expect(calls).toEqual(['a', 'b', 'c']);
    await cache.get('a', load('a')); // evicted: loads again, and now evicts b
    expect(calls).toEqual(['a', 'b', 'c', 'a']);
    await cache.get('c', load('c'));
    await cache.get('b', load('b'));
    expect(calls).toEqual(['a', 'b', 'c', 'a', 'b']);
    expect(cache.size).toBe(2);
  });

  it('caches nothing with maxEntries 0', async () => {
    const { cache } = setup({ maxEntries: 0 });
    const { calls, load } = counter();
    await cache.get('a', load('a'));
    await cache.get('a', load('a'));
    expect(calls).toEqual(['a', 'a']);
    expect(cache.size).toBe(0);
  });

  it('bounds misses apart: a flood of unknown keys evicts only misses, never a found entry (issue 11, finding 13)', async () => {
    const { cache } = setup({ maxEntries: 2, maxMisses: 3 });
    const { calls, load } = counter();
    await cache.get('found', load('found'));
    for (let i = 0; i < 50; i++) await cache.get(`ghost${i}`, async () => undefined);
    expect([cache.size, cache.missCount]).toEqual([1, 3]);
    // Still cached, not loaded again.
    expect(await cache.get('found', load('found'))).toBe('found@1');
    expect(calls).toEqual(['found']);
    // The most recent misses are the ones kept.
    let reloaded = 0;
    for (const key of ['ghost49', 'ghost48', 'ghost47']) await cache.get(key, async () => void reloaded++);
    expect(reloaded).toBe(0);
    await cache.get('ghost0', async () => void reloaded++);
    expect(reloaded).toBe(1);
  });

  it('moves a key between misses and found entries when a reload finds the other', async () => {
    const { clock, cache } = setup({ maxMisses: 5 });
    const values: Record<string, string | undefined> = { k: undefined };
    const { load } = counter(values);
    await cache.get('k', load('k'));
    expect([cache.size, cache.missCount]).toEqual([0, 1]);
    values.k = 'now';
    clock.advance(7000);
    expect(await cache.get('k', load('k'))).toBe('now');
    expect([cache.size, cache.missCount]).toEqual([1, 0]);
    values.k = undefined;
    clock.advance(7000);
    expect(await cache.get('k', load('k'))).toBeUndefined();
    expect([cache.size, cache.missCount]).toEqual([0, 1]);
  });

  it('remembers no miss with maxMisses 0, and still keeps found entries', async () => {
    const { cache } = setup({ maxMisses: 0 });
    const { calls, load } = counter({ ghost: undefined });
    await cache.get('ghost', load('ghost'));
    await cache.get('ghost', load('ghost'));
    await cache.get('a', load('a'));
    await cache.get('a', load('a'));
    expect(calls).toEqual(['ghost', 'ghost', 'a']);
    expect([cache.size, cache.missCount]).toEqual([1, 0]);
  });
});
