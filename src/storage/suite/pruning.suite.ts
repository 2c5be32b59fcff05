import { describe, expect, it } from 'vitest';
import { DAY, NOW, rootKeyRow, type StoreSuite } from './fixtures.js';

const COOLDOWN = 600_000;

/** Pruning (storage/pruning.ts) is store-wide, so each case uses a store of its own. */
export function pruningCases(suite: StoreSuite): void {
  describe('pruning', () => {
    it('deletes the rate-limit alerts last fired at or before the cut-off; a pruned one fires again at once', async () => {
      await suite.withOwnStore(async (own) => {
        const workspaceId = await suite.newWorkspace(own);
        const claim = (identifier: string, now: number) =>
          own.claimRatelimitAlert({
            workspaceId,
            subject: { type: 'namespace', id: 'rlns_suite', name: 'suite' },
            identifier,
            refusals: 5,
            windowMs: 60_000,
            cooldownMs: COOLDOWN,
            now,
          });
        expect(await claim('before', NOW - 1)).toBe(true);
        expect(await claim('at', NOW)).toBe(true);
        expect(await claim('after', NOW + 1)).toBe(true);
        expect(await own.pruneRatelimitAlerts(NOW)).toBe(2);
        expect(await own.pruneRatelimitAlerts(NOW)).toBe(0);
        // Gone: claimed again within what would have been its cool-down. Kept: still cooling down.
        expect(await claim('at', NOW + 2)).toBe(true);
        expect(await claim('after', NOW + 2)).toBe(false);
      });
    });

    it('ends the rerolled root keys retired by now at their retirement, and no other', async () => {
      await suite.withOwnStore(async (own) => {
        const workspaceId = await suite.newWorkspace(own);
        const [past, atNow, later, live, revoked] = [0, 1, 2, 3, 4].map(() => rootKeyRow(workspaceId));
        for (const row of [past, atNow, later, live, revoked]) await own.insertRootKey(row!);
        await own.retireRootKey(past!.id, NOW - DAY);
        await own.retireRootKey(atNow!.id, NOW);
        await own.retireRootKey(later!.id, NOW + 1);
        await own.softDeleteRootKey(workspaceId, revoked!.id, NOW - 5);
        expect(await own.pruneRetiredRootKeys(NOW)).toBe(2);
        expect(await own.pruneRetiredRootKeys(NOW)).toBe(0);
        expect((await own.listRootKeys({ workspaceId, limit: 10 })).map((k) => k.id).sort()).toEqual([later!.id, live!.id].sort());
        expect(await own.findRootKeyByHash(past!.hash)).toBeUndefined();
        expect(await own.findRootKeyByHash(atNow!.hash)).toBeUndefined();
        expect(await own.findRootKeyByHash(later!.hash)).toMatchObject({ retiresAt: NOW + 1 });
      });
    });
  });
}
