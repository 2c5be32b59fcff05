import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import type { ApiRecord, Store } from '../store.js';
import { NOW, type StoreSuite } from './fixtures.js';

export function apiCases(suite: StoreSuite): void {
  describe('apis', () => {
    const { newWorkspace, newKey, fixture } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('finds an API only in its own workspace', async () => {
      const { workspaceId, api } = await fixture();
      const stranger = await newWorkspace();
      expect(await store.findApi(workspaceId, api.id)).toEqual(api);
      expect(await store.findApi(stranger, api.id)).toBeUndefined();
      expect(await store.findApi(workspaceId, newId('api', NOW))).toBeUndefined();
    });

    it("lists live APIs by id a page at a time, only the workspace's, only the ids asked for", async () => {
      const { workspaceId, api } = await fixture();
      const stranger = await newWorkspace();
      const more: ApiRecord[] = [];
      for (let i = 1; i <= 3; i++) {
        const made: ApiRecord = { ...api, id: newId('api', NOW + i), name: `api ${i}`, createdAt: NOW + i };
        await store.insertApi(made);
        more.push(made);
      }
      const theirs: ApiRecord = { ...api, id: newId('api', NOW + 4), workspaceId: stranger, name: 'theirs' };
      await store.insertApi(theirs);
      await store.softDeleteApi(workspaceId, more[1]!.id, NOW + 5);
      const live = [api, more[0]!, more[2]!].sort((a, b) => (a.id < b.id ? -1 : 1));

      expect(await store.listApis({ workspaceId, limit: 10 })).toEqual(live);
      const first = await store.listApis({ workspaceId, limit: 2 });
      expect(first).toEqual(live.slice(0, 2));
      expect(await store.listApis({ workspaceId, limit: 2, cursor: first[1]!.id })).toEqual(live.slice(2));
      expect(await store.listApis({ workspaceId: stranger, limit: 10 })).toEqual([theirs]);

      // Only the ids asked for, and never another workspace's or a deleted one even when asked for.
      const asked = [more[0]!.id, more[1]!.id, theirs.id, newId('api', NOW)];
      expect(await store.listApis({ workspaceId, apiIds: asked, limit: 10 })).toEqual([more[0]]);
      expect(await store.listApis({ workspaceId, apiIds: [more[0]!.id, more[2]!.id], limit: 1, cursor: more[0]!.id })).toEqual([more[2]]);
      expect(await store.listApis({ workspaceId, apiIds: [], limit: 10 })).toEqual([]);
    });

    it("soft delete hides the API and its keys; another workspace's delete changes nothing", async () => {
      const { workspaceId, apiId } = await fixture();
      const stranger = await newWorkspace();
      const key = await newKey(workspaceId, apiId);

      await store.softDeleteApi(stranger, apiId, NOW + 1);
      expect(await store.findApi(workspaceId, apiId)).toBeDefined();

      await store.softDeleteApi(workspaceId, apiId, NOW + 1);
      expect(await store.findApi(workspaceId, apiId)).toBeUndefined();
      expect(await store.findKey(workspaceId, key.id)).toBeUndefined();
      expect(await store.findKeyByHash(workspaceId, key.hash)).toBeUndefined();
      expect(await store.listKeys({ workspaceId, apiId, limit: 10 })).toEqual([]);
    });

    it('updates settings in the own workspace only, stamping updatedAt', async () => {
      const { workspaceId, api } = await fixture();
      const stranger = await newWorkspace();
      await store.updateApiSettings(stranger, api.id, { deleteProtection: true }, NOW + 5);
      expect(await store.findApi(workspaceId, api.id)).toEqual(api);

      await store.updateApiSettings(workspaceId, api.id, { deleteProtection: true }, NOW + 10);
      expect(await store.findApi(workspaceId, api.id)).toEqual({ ...api, deleteProtection: true, updatedAt: NOW + 10 });
      // An absent setting is left alone.
      await store.updateApiSettings(workspaceId, api.id, {}, NOW + 20);
      expect(await store.findApi(workspaceId, api.id)).toEqual({ ...api, deleteProtection: true, updatedAt: NOW + 20 });
    });

    it('stores, keeps and removes the IP whitelist, and loads it with every key of the API', async () => {
      const { workspaceId, api } = await fixture();
      const key = await newKey(workspaceId, api.id);
      const list = ['10.0.0.0/8', '2001:db8::/32', '192.168.1.7'];
      await store.updateApiSettings(workspaceId, api.id, { ipWhitelist: list }, NOW + 1);
      expect(await store.findApi(workspaceId, api.id)).toEqual({ ...api, ipWhitelist: list, updatedAt: NOW + 1 });
      expect(await store.findKeyByHash(workspaceId, key.hash)).toMatchObject({ id: key.id, apiIpWhitelist: list });
      expect(await store.findKey(workspaceId, key.id)).toMatchObject({ apiIpWhitelist: list });
      // Other settings leave it alone; null removes it.
      await store.updateApiSettings(workspaceId, api.id, { deleteProtection: true }, NOW + 2);
      expect(await store.findApi(workspaceId, api.id)).toMatchObject({ ipWhitelist: list, deleteProtection: true });
      await store.updateApiSettings(workspaceId, api.id, { ipWhitelist: null }, NOW + 3);
      expect(await store.findApi(workspaceId, api.id)).toMatchObject({ ipWhitelist: null });
      expect(await store.findKeyByHash(workspaceId, key.hash)).toMatchObject({ apiIpWhitelist: null });

      // An API inserted with a whitelist reads it back.
      const listed: ApiRecord = { ...api, id: newId('api', NOW), ipWhitelist: ['::1'] };
      await store.insertApi(listed);
      expect(await store.findApi(workspaceId, listed.id)).toEqual(listed);
    });

    it('stores, keeps and removes the default prefix and byte length (keys.createKey applies them)', async () => {
      const { workspaceId, api } = await fixture();
      const stranger = await newWorkspace();
      await store.updateApiSettings(stranger, api.id, { defaultPrefix: 'xx', defaultByteLength: 40 }, NOW + 1);
      expect(await store.findApi(workspaceId, api.id)).toEqual(api);
      await store.updateApiSettings(workspaceId, api.id, { defaultPrefix: 'sk_live', defaultByteLength: 255 }, NOW + 2);
      expect(await store.findApi(workspaceId, api.id)).toEqual({
        ...api,
        defaultPrefix: 'sk_live',
        defaultByteLength: 255,
        updatedAt: NOW + 2,
      });
      // Other settings leave them alone; null removes each on its own.
      await store.updateApiSettings(workspaceId, api.id, { deleteProtection: true }, NOW + 3);
      expect(await store.findApi(workspaceId, api.id)).toMatchObject({ defaultPrefix: 'sk_live', defaultByteLength: 255 });
      await store.updateApiSettings(workspaceId, api.id, { defaultPrefix: null }, NOW + 4);
      expect(await store.findApi(workspaceId, api.id)).toMatchObject({ defaultPrefix: null, defaultByteLength: 255 });
      await store.updateApiSettings(workspaceId, api.id, { defaultByteLength: null }, NOW + 5);
      expect(await store.findApi(workspaceId, api.id)).toMatchObject({ defaultPrefix: null, defaultByteLength: null });
    });
  });
}
