import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import type { Store } from '../store.js';
import { NOW, type StoreSuite } from './fixtures.js';

export function rbacCases(suite: StoreSuite): void {
  describe('permissions and roles', () => {
    const { newWorkspace, newKey, fixture } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    const permission = (workspaceId: string, slug: string, fields: { name?: string; description?: string | null } = {}) => ({
      id: newId('permission', NOW),
      workspaceId,
      name: fields.name ?? slug,
      slug,
      description: fields.description ?? null,
      createdAt: NOW,
    });
    const role = (workspaceId: string, name: string, description: string | null = null) => ({
      id: newId('role', NOW),
      workspaceId,
      name,
      description,
      createdAt: NOW,
    });
    const record = ({ id, name, slug, description }: ReturnType<typeof permission>) => ({ id, name, slug, description });

    it('insertPermission refuses a duplicate slug (also when raced); find by id or slug, the id winning', async () => {
      const workspaceId = await newWorkspace();
      const read = permission(workspaceId, 'docs.read', { name: 'Read docs', description: 'may read' });
      expect(await store.insertPermission(read)).toBe(true);
      expect(await store.insertPermission(permission(workspaceId, 'docs.read'))).toBe(false);
      expect(await store.findPermission(workspaceId, read.id)).toEqual(record(read));
      expect(await store.findPermission(workspaceId, 'docs.read')).toEqual(record(read));
      expect(await store.findPermission(await newWorkspace(), read.id)).toBeUndefined();
      expect(await store.insertPermission(permission(await newWorkspace(), 'docs.read'))).toBe(true);

      // A slug that spells another permission's id does not hide that permission.
      const lookalike = permission(workspaceId, read.id);
      expect(await store.insertPermission(lookalike)).toBe(true);
      expect((await store.findPermission(workspaceId, read.id))?.slug).toBe('docs.read');

      const raced = await Promise.all(Array.from({ length: 10 }, () => store.insertPermission(permission(workspaceId, 'raced'))));
      expect(raced.filter(Boolean)).toHaveLength(1);
    });

    it('findPermissionsBySlug returns the existing ones ordered by slug', async () => {
      const workspaceId = await newWorkspace();
      for (const slug of ['b', 'a', 'c']) await store.insertPermission(permission(workspaceId, slug));
      const found = await store.findPermissionsBySlug(workspaceId, ['c', 'missing', 'a', 'c']);
      expect(found.map((p) => p.slug)).toEqual(['a', 'c']);
      expect(await store.findPermissionsBySlug(workspaceId, [])).toEqual([]);
      expect(await store.findPermissionsBySlug(await newWorkspace(), ['a'])).toEqual([]);
    });

    it('lists permissions by id, page by page, searching id, name, slug and description', async () => {
      const workspaceId = await newWorkspace();
      const rows = [
        permission(workspaceId, 'billing.read', { name: 'Billing reader' }),
        permission(workspaceId, 'docs.write', { description: 'Edits the BILLING docs' }),
        permission(workspaceId, 'admin'),
      ];
      for (const row of rows) await store.insertPermission(row);
      await store.insertPermission(permission(await newWorkspace(), 'billing.other'));
      const first = await store.listPermissions({ workspaceId, limit: 2 });
      const second = await store.listPermissions({ workspaceId, limit: 2, cursor: first.at(-1)!.id });
      expect([...first, ...second]).toEqual(rows.map(record));
      const search = async (text: string) => (await store.listPermissions({ workspaceId, search: text, limit: 10 })).map((p) => p.slug);
      expect(await search('billing')).toEqual(['billing.read', 'docs.write']);
      expect(await search('READER')).toEqual(['billing.read']);
      expect(await search(rows[2]!.id)).toEqual(['admin']);
      expect(await search('%')).toEqual([]);
    });

    it('roles: insert refuses a duplicate name; find by id or name, by names, and list, each with permissions', async () => {
      const workspaceId = await newWorkspace();
      const admin = role(workspaceId, 'admin', 'Everything');
      const viewer = role(workspaceId, 'viewer');
      expect(await store.insertRole(admin)).toBe(true);
      expect(await store.insertRole(viewer)).toBe(true);
      expect(await store.insertRole(role(workspaceId, 'admin'))).toBe(false);
      await store.setRolePermissions(workspaceId, admin.id, ['docs.write', 'docs.read'], NOW);

      const adminRecord = (await store.findRole(workspaceId, admin.id))!;
      expect(adminRecord).toMatchObject({ id: admin.id, name: 'admin', description: 'Everything' });
      expect(adminRecord.permissions.map((p) => p.slug)).toEqual(['docs.read', 'docs.write']);
      expect(await store.findRole(workspaceId, 'admin')).toEqual(adminRecord);
      expect(await store.findRole(await newWorkspace(), admin.id)).toBeUndefined();

      expect((await store.findRolesByName(workspaceId, ['viewer', 'ghost', 'admin'])).map((r) => r.name)).toEqual(['admin', 'viewer']);
      expect(await store.listRoles({ workspaceId, limit: 10 })).toEqual([
        adminRecord,
        { id: viewer.id, name: 'viewer', description: null, permissions: [] },
      ]);
      expect((await store.listRoles({ workspaceId, limit: 10, search: 'EVERY' })).map((r) => r.name)).toEqual(['admin']);
      expect((await store.listRoles({ workspaceId, limit: 1, cursor: admin.id })).map((r) => r.name)).toEqual(['viewer']);
    });

    it('setRolePermissions replaces the set, creating missing permissions; keys with the role see them', async () => {
      const { workspaceId, apiId } = await fixture();
      const editor = role(workspaceId, 'editor');
      await store.insertRole(editor);
      const key = await newKey(workspaceId, apiId);
      expect(await store.setKeyRoles(workspaceId, key.id, ['editor'], NOW)).toEqual([]);
      await store.setRolePermissions(workspaceId, editor.id, ['a', 'b'], NOW);
      await store.setRolePermissions(workspaceId, editor.id, ['b', 'c'], NOW + 1);
      expect((await store.findRole(workspaceId, editor.id))!.permissions.map((p) => p.slug)).toEqual(['b', 'c']);
      expect(await store.findKeyByHash(workspaceId, key.hash)).toMatchObject({
        roles: ['editor'],
        rolePermissions: ['b', 'c'],
        permissions: [],
      });
      // The permission the role no longer has still exists in the workspace.
      expect(await store.findPermission(workspaceId, 'a')).toBeDefined();
    });

    it('setKeyRoles replaces the roles of a key when they all exist', async () => {
      const { workspaceId, apiId } = await fixture();
      for (const name of ['r1', 'r2', 'r3']) await store.insertRole(role(workspaceId, name));
      const key = await newKey(workspaceId, apiId);
      expect(await store.setKeyRoles(workspaceId, key.id, ['r1', 'r2'], NOW)).toEqual([]);
      expect((await store.findKey(workspaceId, key.id))!.roles).toEqual(['r1', 'r2']);
      // One unknown name: reported, and the key keeps what it had.
      expect(await store.setKeyRoles(workspaceId, key.id, ['r3', 'nope'], NOW)).toEqual(['nope']);
      expect((await store.findKey(workspaceId, key.id))!.roles).toEqual(['r1', 'r2']);
      expect(await store.setKeyRoles(workspaceId, key.id, ['r3'], NOW)).toEqual([]);
      expect((await store.findKey(workspaceId, key.id))!.roles).toEqual(['r3']);
      // Another workspace's role of the same name is not this workspace's role.
      const elsewhere = await newWorkspace();
      await store.insertRole(role(elsewhere, 'only_there'));
      expect(await store.setKeyRoles(workspaceId, key.id, ['only_there'], NOW)).toEqual(['only_there']);
    });

    it('add and remove key permissions: adding keeps what is there, removing ignores what is not', async () => {
      const { workspaceId, apiId } = await fixture();
      const key = await newKey(workspaceId, apiId);
      await store.setKeyPermissions(workspaceId, key.id, ['a'], NOW);
      await store.addKeyPermissions(workspaceId, key.id, ['b', 'a', 'b'], NOW);
      await store.addKeyPermissions(workspaceId, key.id, ['b'], NOW);
      expect((await store.findKey(workspaceId, key.id))!.permissions).toEqual(['a', 'b']);
      const [a] = await store.findPermissionsBySlug(workspaceId, ['a']);
      const unrelated = permission(workspaceId, 'unrelated');
      await store.insertPermission(unrelated);
      await store.removeKeyPermissions(key.id, [a!.id, unrelated.id]);
      await store.removeKeyPermissions(key.id, []);
      expect((await store.findKey(workspaceId, key.id))!.permissions).toEqual(['b']);
    });

    it('add and remove key roles: adding keeps what is there, removing ignores what is not', async () => {
      const { workspaceId, apiId } = await fixture();
      const [r1, r2] = [role(workspaceId, 'r1'), role(workspaceId, 'r2')];
      for (const r of [r1, r2]) await store.insertRole(r);
      const key = await newKey(workspaceId, apiId);
      await store.addKeyRoles(workspaceId, key.id, [r1.id], NOW);
      await store.addKeyRoles(workspaceId, key.id, [r1.id, r2.id, r2.id], NOW);
      expect((await store.findKey(workspaceId, key.id))!.roles).toEqual(['r1', 'r2']);
      await store.removeKeyRoles(key.id, [r1.id, newId('role', NOW)]);
      await store.removeKeyRoles(key.id, []);
      expect((await store.findKey(workspaceId, key.id))!.roles).toEqual(['r2']);
    });

    it('deleting a permission or a role detaches it from keys and roles; never in another workspace', async () => {
      const { workspaceId, apiId } = await fixture();
      const reader = role(workspaceId, 'reader');
      await store.insertRole(reader);
      await store.setRolePermissions(workspaceId, reader.id, ['docs.read', 'docs.list'], NOW);
      const key = await newKey(workspaceId, apiId);
      await store.setKeyPermissions(workspaceId, key.id, ['docs.read'], NOW);
      await store.addKeyRoles(workspaceId, key.id, [reader.id], NOW);
      const docsRead = (await store.findPermission(workspaceId, 'docs.read'))!;

      expect(await store.deletePermission(await newWorkspace(), docsRead.id)).toBe(false);
      expect(await store.deletePermission(workspaceId, docsRead.id)).toBe(true);
      expect(await store.deletePermission(workspaceId, docsRead.id)).toBe(false);
      expect(await store.findPermission(workspaceId, 'docs.read')).toBeUndefined();
      expect(await store.findKey(workspaceId, key.id)).toMatchObject({ permissions: [], rolePermissions: ['docs.list'] });
      expect((await store.findRole(workspaceId, reader.id))!.permissions.map((p) => p.slug)).toEqual(['docs.list']);

      expect(await store.deleteRole(await newWorkspace(), reader.id)).toBe(false);
      expect(await store.deleteRole(workspaceId, reader.id)).toBe(true);
      expect(await store.deleteRole(workspaceId, reader.id)).toBe(false);
      expect(await store.findRole(workspaceId, 'reader')).toBeUndefined();
      expect(await store.findKey(workspaceId, key.id)).toMatchObject({ roles: [], rolePermissions: [] });
      // The role's name is free again.
      expect(await store.insertRole(role(workspaceId, 'reader'))).toBe(true);
    });
  });
}
