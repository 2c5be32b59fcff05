import { describe, expect, it } from 'vitest';
import { openStoreFingerprint } from '../../../../test/fuzz/store-fingerprint.js';
import { readAllPages } from '../../../../test/pagination.js';
import { caller, useTestServer } from '../../../../test/per-file-server.js';

const t = useTestServer();

const list = caller(t, 'apis.listApis');

/** Creates `count` APIs in the workspace of `rootKey`, one millisecond apart; returns their ids in creation order. */
async function newApis(rootKey: string, count: number, name = 'listed api'): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const res = await t.call('apis.createApi', { name: `${name} ${i}` }, { rootKey });
    expect(res.status).toBe(200);
    ids.push(res.body.data.apiId);
    t.clock.advance(1);
  }
  return ids;
}

describe('apis.listApis', () => {
  describe('200', () => {
    it('maps every field, in creation order, and hands out a cursor only when another page follows', async () => {
      const ws = await t.newWorkspace();
      const createdAt = t.clock.now();
      const [first, second] = await newApis(ws.rootKey, 2, 'mapped');
      const page = await list({ limit: 1 }, ws.rootKey);
      expect(page.status).toBe(200);
      expect(page.body.data).toEqual([{ id: first, name: 'mapped 0', createdAt }]);
      expect(page.body.pagination).toEqual({ hasMore: true, cursor: first });
      const last = await list({ limit: 1, cursor: first }, ws.rootKey);
      expect(last.body.data).toEqual([{ id: second, name: 'mapped 1', createdAt: createdAt + 1 }]);
      expect(last.body.pagination).toEqual({ hasMore: false });
    });

    it('walks every live API exactly once across pages; deleted ones are not listed', async () => {
      const ws = await t.newWorkspace();
      const ids = await newApis(ws.rootKey, 7);
      for (const deleted of [ids[0]!, ids[3]!, ids[6]!]) {
        expect((await t.call('apis.deleteApi', { apiId: deleted }, { rootKey: ws.rootKey })).status).toBe(200);
      }
      const live = [ids[1]!, ids[2]!, ids[4]!, ids[5]!];
      for (const limit of [1, 2, 3, 100]) {
        const walked = await readAllPages((body) => list(body, ws.rootKey), limit);
        expect(walked.ids).toEqual(live);
        expect(walked.pages).toBe(Math.max(1, Math.ceil(live.length / limit)));
      }
      // The default limit (100) in one page.
      expect((await list({}, ws.rootKey)).body).toMatchObject({ pagination: { hasMore: false } });
      expect((await list({}, ws.rootKey)).body.data.map((api: { id: string }) => api.id)).toEqual(live);
    });

    it("never lists another workspace's APIs, even to a root key naming them", async () => {
      const mine = await t.newWorkspace();
      const theirs = await t.newWorkspace();
      const [own] = await newApis(mine.rootKey, 1);
      const foreign = await newApis(theirs.rootKey, 2);
      expect((await list({}, mine.rootKey)).body.data.map((api: { id: string }) => api.id)).toEqual([own]);
      const naming = await t.rootKeyWith([`api.${foreign[0]}.read_api`, `api.${own}.read_api`], mine.workspaceId);
      expect((await list({}, naming)).body).toEqual(expect.objectContaining({ data: [expect.objectContaining({ id: own })] }));
      // A cursor taken from the other workspace's ids shows nothing of it either.
      const after = await list({ cursor: foreign[0] }, mine.rootKey);
      expect(after.status).toBe(200);
      expect(JSON.stringify(after.body)).not.toContain(foreign[1]);
    });

    it('lists only the APIs named by the api.<apiId>.read_api permissions held, page by page', async () => {
      const ws = await t.newWorkspace();
      const ids = await newApis(ws.rootKey, 5);
      const named = [ids[0]!, ids[2]!, ids[4]!];
      await t.call('apis.deleteApi', { apiId: ids[4]! }, { rootKey: ws.rootKey });
      const rootKey = await t.rootKeyWith(
        [...named.map((id) => `api.${id}.read_api`), `api.${ids[1]}.read_key`, `api.${ids[3]}.delete_api`],
        ws.workspaceId,
      );
      const walked = await readAllPages((body) => list(body, rootKey), 1);
      expect(walked.ids).toEqual([ids[0], ids[2]]);
      // api.*.read_api lists them all, whatever else is held.
      const wildcard = await t.rootKeyWith(['api.*.read_api', `api.${ids[0]}.read_api`], ws.workspaceId);
      expect((await readAllPages((body) => list(body, wildcard), 2)).ids).toEqual([ids[0], ids[1], ids[2], ids[3]]);
    });

    it('an empty workspace answers an empty page', async () => {
      const ws = await t.newWorkspace();
      expect((await list({}, ws.rootKey)).body).toMatchObject({ data: [], pagination: { hasMore: false } });
    });
  });

  describe('400', () => {
    it('a limit outside 1-100 or not an integer, a malformed cursor, an unknown field; nothing changes', async () => {
      const ws = await t.newWorkspace();
      await newApis(ws.rootKey, 1);
      const fingerprint = await openStoreFingerprint(t.databaseUrl);
      try {
        const before = await fingerprint.read();
        for (const body of [
          { limit: 0 },
          { limit: 101 },
          { limit: 1.5 },
          { limit: '10' },
          { cursor: '' },
          { cursor: 'a b' },
          { apiId: 'api_x' },
        ]) {
          const res = await list(body, ws.rootKey);
          expect(res.status, JSON.stringify(body)).toBe(400);
          expect(Array.isArray(res.body.error.errors)).toBe(true);
        }
        expect(await fingerprint.read()).toEqual(before);
      } finally {
        await fingerprint.close();
      }
    });
  });

  describe('403', () => {
    it('without api.*.read_api nor any api.<apiId>.read_api', async () => {
      for (const permissions of [
        ['api.*.read_key', 'api.*.create_api'],
        ['api.*.delete_api', 'audit.*.read_audit_log'],
      ]) {
        const res = await list({}, await t.rootKeyWith(permissions));
        expect(res.status).toBe(403);
        expect(res.body.error.detail).toContain('api.*.read_api');
      }
    });
  });
});
