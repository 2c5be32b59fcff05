import { describe, expect, it } from 'vitest';
import { readAllPages } from '../../../../test/pagination.js';
import { useTestServer } from '../../../../test/per-file-server.js';
import { INSUFFICIENT, newPermission } from '../../../../test/rbac-fixtures.js';
import { expectSchemaErrors } from '../../../../test/schema-errors.js';

const t = useTestServer();

const list = (body: Record<string, unknown>, rootKey: string) => t.call('permissions.listPermissions', body, { rootKey });

describe('permissions.listPermissions', () => {
  describe('200', () => {
    it('pages ordered by id; a cursor only while there is a next page; following it reaches every permission once', async () => {
      const { rootKey } = await t.newWorkspace();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await newPermission(t, {}, rootKey)).permissionId);
      const { ids: seen, pages } = await readAllPages((body) => list(body, rootKey), 2);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].sort());
      expect((await list({}, rootKey)).body.pagination).toEqual({ hasMore: false });
    });

    it('an empty workspace answers an empty page; other workspaces never show up', async () => {
      const { rootKey } = await t.newWorkspace();
      await newPermission(t);
      expect((await list({}, rootKey)).body).toEqual({ meta: { requestId: expect.any(String) }, data: [], pagination: { hasMore: false } });
    });

    it('search matches id, name, slug or description, ignoring case; % _ and \\ are literal', async () => {
      const { rootKey } = await t.newWorkspace();
      const bySlug = await newPermission(t, { slug: 'Billing.Read' }, rootKey);
      const byName = await newPermission(t, { slug: 'p.two', name: '100% Off' }, rootKey);
      const byDescription = await newPermission(t, { slug: 'p.three', name: 'three', description: 'C:\\path to BILLING' }, rootKey);
      const underscore = await newPermission(t, { slug: 'a_b', name: 'underscore' }, rootKey);
      await newPermission(t, { slug: 'axb', name: '1000 off' }, rootKey);
      const found = async (search: string) => (await list({ search }, rootKey)).body.data.map((p: { id: string }) => p.id).sort();
      expect(await found('billing')).toEqual([bySlug.permissionId, byDescription.permissionId].sort());
      expect(await found('0% off')).toEqual([byName.permissionId]);
      expect(await found('a_b')).toEqual([underscore.permissionId]);
      expect(await found('%')).toEqual([byName.permissionId]);
      expect(await found('\\')).toEqual([byDescription.permissionId]);
      expect(await found(byName.permissionId.slice(-8).toUpperCase())).toEqual([byName.permissionId]);
      expect(await found('nowhere')).toEqual([]);
    });

    it('items are Permission objects, description only when set', async () => {
      const { rootKey } = await t.newWorkspace();
      const plain = await newPermission(t, { slug: 'plain' }, rootKey);
      const described = await newPermission(t, { slug: 'described', name: 'Described', description: 'why' }, rootKey);
      const data = (await list({}, rootKey)).body.data;
      expect(data).toEqual(
        expect.arrayContaining([
          { id: plain.permissionId, name: 'plain', slug: 'plain' },
          { id: described.permissionId, name: 'Described', slug: 'described', description: 'why' },
        ]),
      );
    });
  });

  describe('400', () => {
    it('limits out of range, bad cursor or search, unknown fields', async () => {
      await expectSchemaErrors(
        (body) => list(body, t.rootKey),
        [
          { limit: 0 },
          { limit: 101 },
          { limit: 1.5 },
          { cursor: '' },
          { cursor: 'c'.repeat(1025) },
          { search: 's'.repeat(257) },
          { extra: 1 },
        ],
      );
    });
  });

  describe('403', () => {
    it('without rbac.*.read_permission, even for an empty page', async () => {
      const other = await t.newWorkspace();
      const rootKey = await t.rootKeyWith(['rbac.*.read_role'], other.workspaceId);
      const res = await list({}, rootKey);
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe(INSUFFICIENT);
    });
  });
});
