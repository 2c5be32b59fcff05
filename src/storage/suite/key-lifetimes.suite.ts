import { beforeAll, describe, expect, it } from 'vitest';
import type { SpendCondition, Store } from '../store.js';
import { NOW, type StoreSuite } from './fixtures.js';

const UNCHANGED: SpendCondition = { now: NOW, updatedAt: null };

export function keyLifetimeCases(suite: StoreSuite): void {
  describe('key lifetimes (one-time, sliding expiry)', () => {
    const { newKey, fixture } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('consumeOneTimeKey succeeds once, concurrently too, and records when; never for a changed, disabled, expired or ordinary key', async () => {
      const { workspaceId, apiId } = await fixture();
      const once = await newKey(workspaceId, apiId, { oneTime: true });
      const outcomes = await Promise.all(Array.from({ length: 20 }, () => store.consumeOneTimeKey(once.id, UNCHANGED)));
      expect(outcomes.filter(Boolean)).toHaveLength(1);
      expect(await store.findKey(workspaceId, once.id)).toMatchObject({ oneTime: true, consumedAt: NOW });

      const ordinary = await newKey(workspaceId, apiId);
      expect(await store.consumeOneTimeKey(ordinary.id, UNCHANGED)).toBe(false);
      const changed = await newKey(workspaceId, apiId, { oneTime: true });
      await store.updateKey(changed.id, { name: 'renamed' }, NOW + 1);
      expect(await store.consumeOneTimeKey(changed.id, UNCHANGED)).toBe(false);
      expect(await store.consumeOneTimeKey(changed.id, { now: NOW, updatedAt: NOW + 1 })).toBe(true);
      const disabled = await newKey(workspaceId, apiId, { oneTime: true, enabled: false });
      expect(await store.consumeOneTimeKey(disabled.id, UNCHANGED)).toBe(false);
      const expired = await newKey(workspaceId, apiId, { oneTime: true, expires: NOW - 1 });
      expect(await store.consumeOneTimeKey(expired.id, UNCHANGED)).toBe(false);
      expect(await store.findKey(workspaceId, expired.id)).toMatchObject({ consumedAt: null });
    });

    it('slideExpiry moves a live sliding key to now + window, never back, and never revives an expired one', async () => {
      const { workspaceId, apiId } = await fixture();
      const sliding = await newKey(workspaceId, apiId, { slidingExpiration: 60_000, expires: NOW + 60_000 });
      expect(await store.slideExpiry(sliding.id, NOW + 30_000)).toBe(NOW + 90_000);
      // An older verification finishing late does not move it back.
      expect(await store.slideExpiry(sliding.id, NOW + 10_000)).toBe(NOW + 90_000);
      expect(await store.findKey(workspaceId, sliding.id)).toMatchObject({
        expires: NOW + 90_000,
        slidingExpiration: 60_000,
        updatedAt: null,
      });
      expect(await store.slideExpiry(sliding.id, NOW + 90_001)).toBeUndefined();
      expect((await store.findKey(workspaceId, sliding.id))?.expires).toBe(NOW + 90_000);
      const fixed = await newKey(workspaceId, apiId, { expires: NOW + 60_000 });
      expect(await store.slideExpiry(fixed.id, NOW)).toBeUndefined();
      expect((await store.findKey(workspaceId, fixed.id))?.expires).toBe(NOW + 60_000);
    });
  });
}
