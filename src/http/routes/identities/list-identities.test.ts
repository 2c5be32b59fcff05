import { describe, expect, it } from 'vitest';
import { readAllPages } from '../../../../test/pagination.js';
import { useTestServer } from '../../../../test/per-file-server.js';
import { limit, newIdentity } from '../../../../test/identity-fixtures.js';

const t = useTestServer();

/** Each test lists its own workspace, so identities made by other tests never show up. */
async function workspaceWith(externalIds: string[]): Promise<{ rootKey: string; ids: string[] }> {
  const { rootKey } = await t.newWorkspace();
  const ids: string[] = [];
  for (const externalId of externalIds) ids.push((await newIdentity(t, { externalId }, rootKey)).identityId);
  return { rootKey, ids };
}

const list = (body: Record<string, unknown>, rootKey: string) => t.call('identities.listIdentities', body, { rootKey });
const externalIds = (res: { body: any }) => res.body.data.map((i: { externalId: string }) => i.externalId);
/** Ids made in the same millisecond sort randomly, so expectations are put in id order. */
const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => (a.id < b.id ? -1 : 1));

describe('identities.listIdentities', () => {
  describe('200', () => {
    it('pages ordered by id; a cursor only while there is a next page; following it reaches every identity once', async () => {
      const { rootKey, ids } = await workspaceWith(['u1', 'u2', 'u3', 'u4', 'u5']);
      const { ids: seen, pages } = await readAllPages((body) => list(body, rootKey), 2);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].sort());
      const all = await list({}, rootKey);
      expect(all.body.pagination).toEqual({ hasMore: false });
      expect(all.body.data).toHaveLength(5);
    });

    it('items are full identities (ratelimits always an array); deleted ones are left out', async () => {
      const { rootKey } = await t.newWorkspace();
      const kept = await newIdentity(t, { externalId: 'kept', meta: { a: 1 }, ratelimits: [limit('requests')] }, rootKey);
      const gone = await newIdentity(t, { externalId: 'gone' }, rootKey);
      const bare = await newIdentity(t, { externalId: 'bare' }, rootKey);
      await t.call('identities.deleteIdentity', { identity: gone.identityId }, { rootKey });
      const res = await list({}, rootKey);
      expect(res.body.data).toEqual(
        byId([
          {
            id: kept.identityId,
            externalId: 'kept',
            meta: { a: 1 },
            ratelimits: [expect.objectContaining({ name: 'requests', limit: 10 })],
          },
          { id: bare.identityId, externalId: 'bare', ratelimits: [] },
        ]),
      );
    });

    it('search: case-insensitive substring of the externalId or the id, trimmed, with % and _ taken literally', async () => {
      const { rootKey, ids } = await workspaceWith(['Alice.Smith', 'bob_jones', 'carol-ALICE', 'dave', 'bobXjones']);
      expect(externalIds(await list({ search: 'alice' }, rootKey)).sort()).toEqual(['Alice.Smith', 'carol-ALICE']);
      expect(externalIds(await list({ search: '  ALICE\t' }, rootKey)).sort()).toEqual(['Alice.Smith', 'carol-ALICE']);
      expect(externalIds(await list({ search: 'b_j' }, rootKey))).toEqual(['bob_jones']);
      expect(externalIds(await list({ search: '%' }, rootKey))).toEqual([]);
      expect(externalIds(await list({ search: ids[3]!.toUpperCase() }, rootKey))).toEqual(['dave']);
      expect(await list({ search: 'nobody' }, rootKey)).toMatchObject({ status: 200, body: { data: [], pagination: { hasMore: false } } });
      expect(externalIds(await list({ search: '   ' }, rootKey))).toHaveLength(5);
    });

    it('an empty page needs no permission (upstream checks each returned row)', async () => {
      const { workspaceId } = await t.newWorkspace();
      const rootKey = await t.rootKeyWith([], workspaceId);
      expect(await list({}, rootKey)).toMatchObject({ status: 200, body: { data: [], pagination: { hasMore: false } } });
    });

    it('identity.<id>.read_identity for every returned row is enough', async () => {
      const { workspaceId } = await t.newWorkspace();
      const own = await t.rootKeyWith(['identity.*.create_identity'], workspaceId);
      const a = await newIdentity(t, { externalId: 'a' }, own);
      const b = await newIdentity(t, { externalId: 'b' }, own);
      const rootKey = await t.rootKeyWith(
        [`identity.${a.identityId}.read_identity`, `identity.${b.identityId}.read_identity`],
        workspaceId,
      );
      expect(externalIds(await list({}, rootKey)).sort()).toEqual(['a', 'b']);
    });
  });

  describe('400', () => {
    it('limit out of range, too long a search, unknown fields', async () => {
      for (const body of [{ limit: 0 }, { limit: 101 }, { limit: 1.5 }, { search: 'x'.repeat(257) }, { cursor: '' }, { extra: 1 }]) {
        const res = await t.call('identities.listIdentities', body);
        expect(res.status).toBe(400);
        expect(Array.isArray(res.body.error.errors)).toBe(true);
      }
    });
  });

  describe('403', () => {
    it('a page holding an identity the caller may not read, without naming it', async () => {
      const { workspaceId } = await t.newWorkspace();
      const own = await t.rootKeyWith(['identity.*.create_identity'], workspaceId);
      const a = await newIdentity(t, { externalId: 'a' }, own);
      const b = await newIdentity(t, { externalId: 'b' }, own);
      for (const permissions of [[], ['identity.*.update_identity'], [`identity.${a.identityId}.read_identity`]]) {
        const rootKey = await t.rootKeyWith(permissions, workspaceId);
        const res = await list({}, rootKey);
        expect(res.status).toBe(403);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authorization/insufficient_permissions');
        expect(res.body.error.detail).not.toContain(b.identityId);
      }
    });
  });
});
