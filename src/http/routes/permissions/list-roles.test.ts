import { describe, expect, it } from 'vitest';
import { readAllPages } from '../../../../test/pagination.js';
import { useTestServer } from '../../../../test/per-file-server.js';
import { INSUFFICIENT, newRole } from '../../../../test/rbac-fixtures.js';
import { expectSchemaErrors } from '../../../../test/schema-errors.js';

const t = useTestServer();

const list = (body: Record<string, unknown>, rootKey: string) => t.call('permissions.listRoles', body, { rootKey });

describe('permissions.listRoles', () => {
  describe('200', () => {
    it('pages ordered by id; a cursor only while there is a next page; following it reaches every role once', async () => {
      const { rootKey } = await t.newWorkspace();
      const ids: string[] = [];
      for (let i = 0; i < 5; i++) ids.push((await newRole(t, {}, rootKey)).roleId);
      const { ids: seen, pages } = await readAllPages((body) => list(body, rootKey), 2);
      expect(pages).toBe(3);
      expect(seen).toEqual([...ids].sort());
    });

    it('items are roles with their permissions; an empty workspace answers an empty page', async () => {
      const { rootKey } = await t.newWorkspace();
      expect((await list({}, rootKey)).body).toEqual({ meta: { requestId: expect.any(String) }, data: [], pagination: { hasMore: false } });
      const reader = await newRole(t, { name: 'reader', permissions: ['docs.read'] }, rootKey);
      const data = (await list({}, rootKey)).body.data;
      expect(data).toEqual([
        { id: reader.roleId, name: 'reader', permissions: [{ id: expect.stringMatching(/^perm_/), name: 'docs.read', slug: 'docs.read' }] },
      ]);
    });

    it('search matches id, name or description, ignoring case; % and _ are literal; permissions are not searched', async () => {
      const { rootKey } = await t.newWorkspace();
      const byName = await newRole(t, { name: 'Billing_Admin' }, rootKey);
      const byDescription = await newRole(t, { name: 'other', description: 'Can see 100% of BILLING' }, rootKey);
      await newRole(t, { name: 'BillingXAdmin', permissions: ['nothing.here'] }, rootKey);
      const found = async (search: string) => (await list({ search }, rootKey)).body.data.map((r: { id: string }) => r.id).sort();
      expect(await found('billing_')).toEqual([byName.roleId]);
      expect(await found('billing')).toHaveLength(3);
      expect(await found('%')).toEqual([byDescription.roleId]);
      expect(await found(byName.roleId.toUpperCase())).toEqual([byName.roleId]);
      expect(await found('nothing.here')).toEqual([]);
    });
  });

  describe('400', () => {
    it('limits out of range, bad cursor or search, unknown fields', async () => {
      await expectSchemaErrors(
        (body) => list(body, t.rootKey),
        [{ limit: 0 }, { limit: 101 }, { cursor: '' }, { cursor: 'c'.repeat(1025) }, { search: 's'.repeat(257) }, { extra: 1 }],
      );
    });
  });

  describe('403', () => {
    it('without rbac.*.read_role, even for an empty page', async () => {
      const other = await t.newWorkspace();
      const res = await list({}, await t.rootKeyWith(['rbac.*.read_permission'], other.workspaceId));
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe(INSUFFICIENT);
    });
  });
});
