import { describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditEvents } from '../../../../test/key-fixtures.js';
import { alignClock, namespaceName, newNamespace, setOverride } from '../../../../test/ratelimit-fixtures.js';

const t = useTestServer();

const multi = caller(t, 'ratelimit.multiLimit');
/** What is left of a counter, read with a cost-0 check, which counts nothing. */
const remaining = async (namespace: string, identifier: string, limit: number) =>
  (await t.call('ratelimit.limit', { namespace, identifier, limit, duration: 60_000, cost: 0 })).body.data.remaining;

describe('ratelimit.multiLimit', () => {
  describe('200', () => {
    it('checks every item, in request order, echoing the namespace as given', async () => {
      const start = alignClock(t, 60_000);
      const a = await newNamespace(t);
      const b = namespaceName();
      const res = await multi([
        { namespace: a.id, identifier: 'u', limit: 2, duration: 60_000 },
        { namespace: b, identifier: 'u', limit: 5, duration: 60_000, cost: 3 },
      ]);
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({
        passed: true,
        limits: [
          { namespace: a.id, identifier: 'u', limit: 2, remaining: 1, reset: start + 60_000, passed: true },
          { namespace: b, identifier: 'u', limit: 5, remaining: 2, reset: start + 60_000, passed: true },
        ],
      });
      // The missing namespace was created and audited.
      const created = await t.server.store.findRatelimitNamespace(t.workspaceId, b);
      expect(await auditEvents(t, created!.id)).toEqual(['ratelimit_namespace.create']);
    });

    it('is all or nothing: one failing check means nothing is counted, and each result says which failed', async () => {
      alignClock(t, 60_000);
      const ns = await newNamespace(t);
      await t.call('ratelimit.limit', { namespace: ns.name, identifier: 'full', limit: 1, duration: 60_000 });
      const res = await multi([
        { namespace: ns.name, identifier: 'free', limit: 3, duration: 60_000 },
        { namespace: ns.name, identifier: 'full', limit: 1, duration: 60_000 },
      ]);
      expect(res.body.data.passed).toBe(false);
      expect(res.body.data.limits.map((l: { passed: boolean }) => l.passed)).toEqual([true, false]);
      // As upstream, the check that passed reports what is left without this refused batch's cost: 3, not 2.
      expect(res.body.data.limits.map((l: { remaining: number }) => l.remaining)).toEqual([3, 0]);
      expect(await remaining(ns.name, 'free', 3)).toBe(3);
    });

    it('counts a counter named twice in one batch twice', async () => {
      alignClock(t, 60_000);
      const ns = await newNamespace(t);
      const item = { namespace: ns.name, identifier: 'u', limit: 3, duration: 60_000, cost: 2 };
      const res = await multi([item, { ...item, namespace: ns.id }]);
      expect(res.body.data.passed).toBe(false);
      expect(res.body.data.limits.map((l: { passed: boolean }) => l.passed)).toEqual([true, false]);
      expect(await remaining(ns.name, 'u', 3)).toBe(3);
      const fits = await multi([
        { ...item, cost: 1 },
        { ...item, cost: 2 },
      ]);
      expect(fits.body.data.passed).toBe(true);
      expect(await remaining(ns.name, 'u', 3)).toBe(0);
    });

    it('applies overrides per item; overrideId only where one matched', async () => {
      alignClock(t, 60_000);
      const ns = await newNamespace(t);
      const overrideId = await setOverride(t, { namespace: ns.name, identifier: 'team_*', limit: 50, duration: 60_000 });
      const res = await multi([
        { namespace: ns.name, identifier: 'team_a', limit: 1, duration: 1000 },
        { namespace: ns.name, identifier: 'solo', limit: 1, duration: 60_000 },
      ]);
      expect(res.body.data.limits[0]).toMatchObject({ limit: 50, remaining: 49, overrideId });
      expect(res.body.data.limits[1]).not.toHaveProperty('overrideId');
    });
  });

  describe('400', () => {
    it('refuses an empty batch, more than 100 items, a non-array body and any bad item; nothing is counted or created', async () => {
      alignClock(t, 60_000);
      const namespace = namespaceName();
      const item = { namespace, identifier: 'u', limit: 1, duration: 60_000 };
      for (const body of [
        [],
        Array.from({ length: 101 }, () => item),
        item,
        [item, { ...item, limit: 0 }],
        [item, { ...item, cost: -1 }],
      ]) {
        const res = await multi(body);
        expect(res.status).toBe(400);
        expect(Array.isArray(res.body.error.errors)).toBe(true);
      }
      expect(await t.server.store.findRatelimitNamespace(t.workspaceId, namespace)).toBeUndefined();
      expect((await multi(Array.from({ length: 100 }, (_, i) => ({ ...item, identifier: `u${i}` })))).body.data.passed).toBe(true);
    });
  });

  describe('403', () => {
    it('needs ratelimit.*.limit or the specific permission of every namespace in the batch', async () => {
      alignClock(t, 60_000);
      const a = await newNamespace(t);
      const b = await newNamespace(t);
      const body = [
        { namespace: a.name, identifier: 'u', limit: 1, duration: 60_000 },
        { namespace: b.name, identifier: 'u', limit: 1, duration: 60_000 },
      ];
      const onlyA = await t.rootKeyWith([`ratelimit.${a.id}.limit`]);
      const res = await multi(body, onlyA);
      expect(res.status).toBe(403);
      expect(res.body.error.detail).toContain(`ratelimit.${b.id}.limit`);
      expect(await remaining(a.name, 'u', 1)).toBe(1);
      expect((await multi(body, await t.rootKeyWith([`ratelimit.${a.id}.limit`, `ratelimit.${b.id}.limit`]))).body.data.passed).toBe(true);
    });

    it('a namespace that does not exist yet needs create_namespace; nothing is created or counted without it', async () => {
      alignClock(t, 60_000);
      const a = await newNamespace(t);
      const fresh = namespaceName();
      const key = await t.rootKeyWith(['ratelimit.*.limit']);
      const res = await multi(
        [
          { namespace: a.name, identifier: 'u', limit: 1, duration: 60_000 },
          { namespace: fresh, identifier: 'u', limit: 1, duration: 60_000 },
        ],
        key,
      );
      expect(res.status).toBe(403);
      expect(await t.server.store.findRatelimitNamespace(t.workspaceId, fresh)).toBeUndefined();
      expect(await remaining(a.name, 'u', 1)).toBe(1);
    });
  });

  describe('410', () => {
    it('any deleted namespace in the batch; nothing is counted', async () => {
      alignClock(t, 60_000);
      const live = await newNamespace(t);
      const gone = await newNamespace(t);
      await t.call('ratelimitNamespaces.deleteNamespace', { namespace: gone.name });
      const res = await multi([
        { namespace: live.name, identifier: 'u', limit: 1, duration: 60_000 },
        { namespace: gone.name, identifier: 'u', limit: 1, duration: 60_000 },
      ]);
      expect(res.status).toBe(410);
      expect(await remaining(live.name, 'u', 1)).toBe(1);
    });
  });
});
