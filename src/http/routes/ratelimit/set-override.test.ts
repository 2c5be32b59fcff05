import { describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditEvents } from '../../../../test/key-fixtures.js';
import { namespaceName, newNamespace } from '../../../../test/ratelimit-fixtures.js';

const t = useTestServer();

const set = caller(t, 'ratelimit.setOverride');

describe('ratelimit.setOverride', () => {
  describe('200', () => {
    it('creates an override (by namespace name or id), audited, that limit applies at once', async () => {
      const ns = await newNamespace(t);
      const res = await set({ namespace: ns.name, identifier: 'user_1', limit: 3, duration: 60_000 });
      expect(res.status).toBe(200);
      const { overrideId } = res.body.data;
      expect(overrideId).toMatch(/^rlor_[0-9a-z]+$/);
      expect(await auditEvents(t, overrideId)).toEqual(['ratelimit_override.set']);
      const limited = await t.call('ratelimit.limit', { namespace: ns.id, identifier: 'user_1', limit: 1, duration: 1000 });
      expect(limited.body.data).toMatchObject({ limit: 3, remaining: 2, overrideId });
    });

    it('upserts on the exact identifier, keeping the id; a pattern is its own override', async () => {
      const ns = await newNamespace(t);
      const first = (await set({ namespace: ns.name, identifier: 'user_*', limit: 3, duration: 60_000 })).body.data.overrideId;
      const again = (await set({ namespace: ns.id, identifier: 'user_*', limit: 8, duration: 30_000 })).body.data.overrideId;
      expect(again).toBe(first);
      const exact = (await set({ namespace: ns.name, identifier: 'user_1', limit: 1, duration: 1000 })).body.data.overrideId;
      expect(exact).not.toBe(first);
      const got = await t.call('ratelimit.getOverride', { namespace: ns.name, identifier: 'user_2' });
      expect(got.body.data).toEqual({ overrideId: first, identifier: 'user_*', limit: 8, duration: 30_000 });
      expect(await auditEvents(t, first)).toEqual(['ratelimit_override.set', 'ratelimit_override.set']);
    });

    it('keeps one override per identifier under concurrent sets', async () => {
      const ns = await newNamespace(t);
      const ids = await Promise.all(
        Array.from({ length: 10 }, (_, i) => set({ namespace: ns.name, identifier: 'raced', limit: i, duration: 60_000 })),
      );
      expect(new Set(ids.map((r) => r.body.data.overrideId)).size).toBe(1);
      const listed = await t.call('ratelimit.listOverrides', { namespace: ns.name, limit: 100 });
      expect(listed.body.data).toHaveLength(1);
    });

    it('accepts limit 0 (a block) and the duration bounds', async () => {
      const ns = await newNamespace(t);
      for (const [limit, duration] of [
        [0, 1000],
        [5, 2_592_000_000],
      ] as const) {
        expect((await set({ namespace: ns.name, identifier: `b${limit}`, limit, duration })).status).toBe(200);
      }
    });
  });

  describe('400', () => {
    it('refuses bad input with the contract error body, and changes nothing', async () => {
      const ns = await newNamespace(t);
      const good = { namespace: ns.name, identifier: 'u', limit: 1, duration: 60_000 };
      for (const body of [
        { ...good, limit: -1 },
        { ...good, duration: 999 },
        { ...good, duration: 2_592_000_001 },
        { ...good, identifier: 'x'.repeat(513) },
        { ...good, identifier: '' },
        { ...good, cost: 1 },
        { namespace: ns.name, identifier: 'u', limit: 1 },
      ]) {
        const res = await set(body);
        expect(res.status).toBe(400);
        expect(Array.isArray(res.body.error.errors)).toBe(true);
      }
      expect((await t.call('ratelimit.listOverrides', { namespace: ns.name })).body.data).toEqual([]);
    });
  });

  describe('403', () => {
    it("without ratelimit.*.set_override or the namespace's own; the own one is enough", async () => {
      const ns = await newNamespace(t);
      const body = { namespace: ns.name, identifier: 'u', limit: 1, duration: 60_000 };
      const denied = await set(body, await t.rootKeyWith(['ratelimit.*.read_override', 'ratelimit.*.limit']));
      expect(denied.status).toBe(403);
      expect(denied.body.error.detail).toContain(`ratelimit.${ns.id}.set_override`);
      expect((await set(body, await t.rootKeyWith([`ratelimit.${ns.id}.set_override`]))).status).toBe(200);
    });
  });

  describe('404', () => {
    it('a namespace that does not exist is not created; a deleted one is not found either', async () => {
      const name = namespaceName();
      const missing = await set({ namespace: name, identifier: 'u', limit: 1, duration: 60_000 });
      expect(missing.status).toBe(404);
      expect(missing.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/ratelimit_namespace_not_found');
      expect(await t.server.store.findRatelimitNamespace(t.workspaceId, name)).toBeUndefined();
      const ns = await newNamespace(t);
      await t.call('ratelimitNamespaces.deleteNamespace', { namespace: ns.id });
      expect((await set({ namespace: ns.id, identifier: 'u', limit: 1, duration: 60_000 })).status).toBe(404);
    });
  });
});
