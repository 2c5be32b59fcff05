import { describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { newNamespace } from '../../../../test/ratelimit-fixtures.js';

const t = useTestServer();

const list = caller(t, 'ratelimitNamespaces.listNamespaces');

describe('ratelimitNamespaces.listNamespaces', () => {
  describe('200', () => {
    it("pages through the workspace's live namespaces in creation order, every field mapped", async () => {
      const ws = await t.newWorkspace();
      const made: Array<{ name: string; id: string; createdAt: number }> = [];
      for (let i = 0; i < 4; i++) {
        made.push({ ...(await newNamespace(t, ws.rootKey, ws.workspaceId)), createdAt: t.clock.now() });
        t.clock.advance(1);
      }
      await t.call('ratelimitNamespaces.deleteNamespace', { namespace: made[1]!.id }, { rootKey: ws.rootKey });
      await t.call('ratelimitNamespaces.renameNamespace', { namespace: made[2]!.id, name: 'renamed' }, { rootKey: ws.rootKey });

      const first = await list({ limit: 2 }, ws.rootKey);
      expect(first.status).toBe(200);
      // Never changed: updatedAt is absent, not null.
      expect(first.body.data).toEqual([
        { id: made[0]!.id, name: made[0]!.name, createdAt: made[0]!.createdAt },
        { id: made[2]!.id, name: 'renamed', createdAt: made[2]!.createdAt, updatedAt: t.clock.now() },
      ]);
      expect(first.body.pagination).toEqual({ hasMore: true, cursor: made[2]!.id });
      const second = await list({ limit: 2, cursor: first.body.pagination.cursor }, ws.rootKey);
      expect(second.body.data.map((n: { id: string }) => n.id)).toEqual([made[3]!.id]);
      expect(second.body.pagination).toEqual({ hasMore: false });
    });

    it("never lists another workspace's namespaces", async () => {
      const mine = await t.newWorkspace();
      const theirs = await t.newWorkspace();
      await newNamespace(t, theirs.rootKey, theirs.workspaceId);
      expect((await list({}, mine.rootKey)).body).toMatchObject({ data: [], pagination: { hasMore: false } });
    });
  });

  describe('400', () => {
    it('a limit outside 1-100, a malformed cursor, an unknown field', async () => {
      for (const body of [{ limit: 0 }, { limit: 101 }, { cursor: '' }, { cursor: 'a b' }, { name: 'x' }]) {
        const res = await list(body);
        expect(res.status).toBe(400);
        expect(Array.isArray(res.body.error.errors)).toBe(true);
      }
    });
  });

  describe('403', () => {
    it('without ratelimit.*.read_namespace', async () => {
      const res = await list({}, await t.rootKeyWith(['ratelimit.*.limit', 'ratelimit.*.read_override']));
      expect(res.status).toBe(403);
      expect(res.body.error.detail).toContain('ratelimit.*.read_namespace');
    });
  });
});
