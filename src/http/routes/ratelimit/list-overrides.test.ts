import { describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { namespaceName, newNamespace, setOverride } from '../../../../test/ratelimit-fixtures.js';

const t = useTestServer();

const list = caller(t, 'ratelimit.listOverrides');

describe('ratelimit.listOverrides', () => {
  describe('200', () => {
    it('pages through live overrides in creation order; the cursor is present only when there is more', async () => {
      const ns = await newNamespace(t);
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) {
        ids.push(await setOverride(t, { namespace: ns.name, identifier: `user_${i}`, limit: i, duration: 1000 + i }));
        t.clock.advance(1);
      }
      await t.call('ratelimit.deleteOverride', { namespace: ns.name, identifier: 'user_2' });

      const first = await list({ namespace: ns.name, limit: 2 });
      expect(first.status).toBe(200);
      expect(first.body.data).toEqual([
        { overrideId: ids[0], identifier: 'user_0', limit: 0, duration: 1000 },
        { overrideId: ids[1], identifier: 'user_1', limit: 1, duration: 1001 },
      ]);
      expect(first.body.pagination).toEqual({ hasMore: true, cursor: ids[1] });
      const second = await list({ namespace: ns.id, limit: 2, cursor: first.body.pagination.cursor });
      expect(second.body.data.map((o: { overrideId: string }) => o.overrideId)).toEqual([ids[3], ids[4]]);
      expect(second.body.pagination).toEqual({ hasMore: false });
    });

    it('defaults to pages of 10, and an empty namespace is an empty page', async () => {
      const ns = await newNamespace(t);
      expect((await list({ namespace: ns.name })).body).toMatchObject({ data: [], pagination: { hasMore: false } });
      for (let i = 0; i < 11; i++) await setOverride(t, { namespace: ns.name, identifier: `u${i}`, limit: 1, duration: 1000 });
      const page = await list({ namespace: ns.name });
      expect(page.body.data).toHaveLength(10);
      expect(page.body.pagination.hasMore).toBe(true);
    });
  });

  describe('400', () => {
    it('a limit outside 1-100 or a malformed cursor', async () => {
      const ns = await newNamespace(t);
      for (const body of [
        { namespace: ns.name, limit: 0 },
        { namespace: ns.name, limit: 101 },
        { namespace: ns.name, cursor: 'not a cursor' },
        {},
      ]) {
        const res = await list(body);
        expect(res.status).toBe(400);
        expect(Array.isArray(res.body.error.errors)).toBe(true);
      }
    });
  });

  describe('403', () => {
    it("without ratelimit.*.read_override or the namespace's own", async () => {
      const ns = await newNamespace(t);
      const res = await list({ namespace: ns.name }, await t.rootKeyWith(['ratelimit.*.set_override']));
      expect(res.status).toBe(403);
      expect((await list({ namespace: ns.name }, await t.rootKeyWith([`ratelimit.${ns.id}.read_override`]))).status).toBe(200);
    });
  });

  describe('404', () => {
    it('a namespace that does not exist (it is not created) or was deleted', async () => {
      const name = namespaceName();
      expect((await list({ namespace: name })).status).toBe(404);
      expect(await t.server.store.findRatelimitNamespace(t.workspaceId, name)).toBeUndefined();
      const ns = await newNamespace(t);
      await t.call('ratelimitNamespaces.deleteNamespace', { namespace: ns.name });
      expect((await list({ namespace: ns.id })).status).toBe(404);
    });
  });
});
