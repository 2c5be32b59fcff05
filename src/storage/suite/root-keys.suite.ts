import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import { generateKey } from '../../core/key-format.js';
import type { Store } from '../store.js';
import { DAY, NOW, rootKeyRow, type StoreSuite } from './fixtures.js';

export function rootKeyCases(suite: StoreSuite): void {
  describe('root keys', () => {
    const { newWorkspace } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('finds a root key by hash with its permissions and workspace state; an unknown hash is absent', async () => {
      const workspaceId = await newWorkspace();
      const disabledWorkspace = await newWorkspace(store, false);
      const key = rootKeyRow(workspaceId, { name: 'ops', permissions: ['api.*.read_api', 'audit.*.read_audit_log'], expires: NOW + DAY });
      const other = rootKeyRow(disabledWorkspace, { permissions: key.permissions });
      await store.insertRootKey(key);
      await store.insertRootKey(other);

      expect(await store.findRootKeyByHash(key.hash)).toEqual({
        id: key.id,
        workspaceId,
        name: 'ops',
        start: key.start,
        permissions: key.permissions,
        enabled: true,
        expires: NOW + DAY,
        workspaceEnabled: true,
        workspaceApiRateLimit: null,
        createdAt: NOW,
        retiresAt: null,
      });
      expect(await store.findRootKeyByHash(other.hash)).toMatchObject({
        workspaceId: disabledWorkspace,
        name: null,
        expires: null,
        workspaceEnabled: false,
      });
      expect(await store.findRootKeyByHash(generateKey(32).hash)).toBeUndefined();
    });

    it('finds, lists, updates and soft-deletes root keys, each only in its own workspace', async () => {
      const workspaceId = await newWorkspace();
      const stranger = await newWorkspace();
      expect(await store.findWorkspace(workspaceId)).toEqual({
        id: workspaceId,
        name: 'conformance',
        enabled: true,
        createdAt: NOW,
        apiRateLimit: null,
      });
      expect(await store.findWorkspace(newId('workspace', NOW))).toBeUndefined();
      const rows = [];
      for (const name of ['one', null, 'three']) {
        const row = rootKeyRow(workspaceId, {
          name,
          permissions: ['api.*.read_api'],
          expires: name === 'one' ? NOW + DAY : null,
          createdBy: name === 'three' ? 'rk_creator' : null,
        });
        await store.insertRootKey(row);
        rows.push(row);
      }
      const [one, two, three] = rows as [(typeof rows)[0], (typeof rows)[0], (typeof rows)[0]];
      expect(await store.findRootKey(workspaceId, one.id)).toEqual({
        id: one.id,
        workspaceId,
        name: 'one',
        hash: one.hash,
        start: one.start,
        permissions: ['api.*.read_api'],
        expires: NOW + DAY,
        createdBy: null,
        createdAt: NOW,
        updatedAt: null,
        lastUsedAt: null,
        environment: null,
        retiresAt: null,
      });
      expect(await store.findRootKey(stranger, one.id)).toBeUndefined();
      expect(await store.findRootKeyWorkspace(three.id)).toBe(workspaceId);
      expect((await store.listRootKeys({ workspaceId, limit: 10 })).map((k) => k.id)).toEqual([one.id, two.id, three.id]);
      expect((await store.listRootKeys({ workspaceId, cursor: one.id, limit: 1 })).map((k) => k.id)).toEqual([two.id]);
      expect(await store.listRootKeys({ workspaceId: stranger, limit: 10 })).toEqual([]);

      await store.transaction((tx) => tx.updateRootKey(two.id, { name: 'two', permissions: ['audit.*.read_audit_log'] }, NOW + 1));
      await store.updateRootKey(three.id, { permissions: [] }, NOW + 2);
      expect(await store.findRootKey(workspaceId, two.id)).toMatchObject({
        name: 'two',
        permissions: ['audit.*.read_audit_log'],
        updatedAt: NOW + 1,
      });
      expect(await store.findRootKeyByHash(two.hash)).toMatchObject({ name: 'two', permissions: ['audit.*.read_audit_log'] });
      expect(await store.findRootKey(workspaceId, three.id)).toMatchObject({ name: 'three', permissions: [], createdBy: 'rk_creator' });

      expect(await store.softDeleteRootKey(stranger, one.id, NOW)).toBe(false);
      expect(await store.softDeleteRootKey(workspaceId, one.id, NOW)).toBe(true);
      expect(await store.softDeleteRootKey(workspaceId, one.id, NOW)).toBe(false);
      expect(await store.findRootKey(workspaceId, one.id)).toBeUndefined();
      expect(await store.findRootKeyWorkspace(one.id)).toBeUndefined();
      expect(await store.findRootKeyByHash(one.hash)).toBeUndefined();
      expect((await store.listRootKeys({ workspaceId, limit: 10 })).map((k) => k.id)).toEqual([two.id, three.id]);
    });

    it('keeps an environment; retiring sets retiresAt once, and listings given a time leave out keys retired by then', async () => {
      const workspaceId = await newWorkspace();
      const labelled = rootKeyRow(workspaceId, { environment: 'staging' });
      const retiring = rootKeyRow(workspaceId);
      await store.insertRootKey(labelled);
      await store.insertRootKey(retiring);
      expect(await store.findRootKey(workspaceId, labelled.id)).toMatchObject({ environment: 'staging', retiresAt: null });

      expect(await store.transaction((tx) => tx.retireRootKey(retiring.id, NOW + 60_000))).toBe(true);
      // Once only: a key already retiring keeps its first end.
      expect(await store.retireRootKey(retiring.id, NOW + 120_000)).toBe(false);
      expect(await store.findRootKeyByHash(retiring.hash)).toMatchObject({ retiresAt: NOW + 60_000 });
      expect(await store.findRootKey(workspaceId, retiring.id)).toMatchObject({ retiresAt: NOW + 60_000 });
      const listedAt = async (now?: number) => (await store.listRootKeys({ workspaceId, limit: 10, now })).map((k) => k.id);
      expect(await listedAt(NOW + 59_999)).toEqual([labelled.id, retiring.id]);
      expect(await listedAt(NOW + 60_000)).toEqual([labelled.id]);
      expect(await listedAt()).toEqual([labelled.id, retiring.id]);
    });
  });
}
