import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store.js';
import { NOW, type StoreSuite } from './fixtures.js';

export function ratelimitCases(suite: StoreSuite): void {
  describe('rate-limit namespaces and overrides', () => {
    const { newWorkspace } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('createRatelimitNamespace creates once per live name, also when raced', async () => {
      const workspaceId = await newWorkspace();
      const first = await store.createRatelimitNamespace(workspaceId, 'api.requests', NOW);
      expect(first.created).toBe(true);
      expect(first.namespace).toEqual({
        id: expect.stringMatching(/^rlns_/),
        workspaceId,
        name: 'api.requests',
        createdAt: NOW,
        updatedAt: null,
        deletedAt: null,
      });
      const second = await store.createRatelimitNamespace(workspaceId, 'api.requests', NOW + 1);
      expect(second).toEqual({ namespace: first.namespace, created: false });

      const raced = await Promise.all(Array.from({ length: 10 }, () => store.createRatelimitNamespace(workspaceId, 'raced', NOW)));
      expect(raced.filter((r) => r.created)).toHaveLength(1);
      expect(new Set(raced.map((r) => r.namespace.id)).size).toBe(1);
    });

    it('findRatelimitNamespace by id or name: the live one first, else the latest deleted one', async () => {
      const workspaceId = await newWorkspace();
      const { namespace: old } = await store.createRatelimitNamespace(workspaceId, 'email', NOW);
      expect(await store.findRatelimitNamespace(workspaceId, old.id)).toEqual(old);
      expect(await store.findRatelimitNamespace(workspaceId, 'email')).toEqual(old);
      expect(await store.findRatelimitNamespace(await newWorkspace(), old.id)).toBeUndefined();
      expect(await store.findRatelimitNamespace(workspaceId, 'never')).toBeUndefined();

      expect(await store.softDeleteRatelimitNamespace(workspaceId, old.id, NOW + 1)).toBe(true);
      expect(await store.findRatelimitNamespace(workspaceId, 'email')).toEqual({ ...old, deletedAt: NOW + 1, updatedAt: NOW + 1 });

      const { namespace: middle } = await store.createRatelimitNamespace(workspaceId, 'email', NOW + 2);
      expect(middle.id).not.toBe(old.id);
      expect(await store.findRatelimitNamespace(workspaceId, 'email')).toEqual(middle);
      await store.softDeleteRatelimitNamespace(workspaceId, middle.id, NOW + 3);
      expect((await store.findRatelimitNamespace(workspaceId, 'email'))?.id).toBe(middle.id);
      // A deleted namespace stays reachable by its id.
      expect((await store.findRatelimitNamespace(workspaceId, old.id))?.deletedAt).toBe(NOW + 1);
    });

    it('lists live namespaces by id, page by page, per workspace', async () => {
      const workspaceId = await newWorkspace();
      const ids: string[] = [];
      for (const name of ['a', 'b', 'c', 'd']) ids.push((await store.createRatelimitNamespace(workspaceId, name, NOW)).namespace.id);
      await store.softDeleteRatelimitNamespace(workspaceId, ids[1]!, NOW);
      await store.createRatelimitNamespace(await newWorkspace(), 'a', NOW);
      const firstPage = await store.listRatelimitNamespaces({ workspaceId, limit: 2 });
      const secondPage = await store.listRatelimitNamespaces({ workspaceId, limit: 2, cursor: firstPage.at(-1)!.id });
      expect([...firstPage, ...secondPage].map((n) => n.name)).toEqual(['a', 'c', 'd']);
    });

    it('renameRatelimitNamespace: renamed, name_taken (nothing changes) or not_found', async () => {
      const workspaceId = await newWorkspace();
      const { namespace: a } = await store.createRatelimitNamespace(workspaceId, 'first', NOW);
      const { namespace: b } = await store.createRatelimitNamespace(workspaceId, 'second', NOW);
      expect(await store.renameRatelimitNamespace(workspaceId, a.id, 'renamed', NOW + 1)).toBe('renamed');
      expect(await store.findRatelimitNamespace(workspaceId, 'renamed')).toEqual({ ...a, name: 'renamed', updatedAt: NOW + 1 });
      expect(await store.findRatelimitNamespace(workspaceId, 'first')).toBeUndefined();
      expect(await store.renameRatelimitNamespace(workspaceId, a.id, 'renamed', NOW + 2)).toBe('renamed');

      expect(await store.renameRatelimitNamespace(workspaceId, b.id, 'renamed', NOW + 3)).toBe('name_taken');
      expect(await store.findRatelimitNamespace(workspaceId, b.id)).toEqual(b);

      expect(await store.renameRatelimitNamespace(await newWorkspace(), a.id, 'stolen', NOW)).toBe('not_found');
      await store.softDeleteRatelimitNamespace(workspaceId, b.id, NOW + 4);
      expect(await store.renameRatelimitNamespace(workspaceId, b.id, 'revived', NOW + 5)).toBe('not_found');
      // A deleted namespace's name is free for a live one.
      expect(await store.renameRatelimitNamespace(workspaceId, a.id, 'second', NOW + 6)).toBe('renamed');
    });

    it('softDeleteRatelimitNamespace is true once, and never for another workspace', async () => {
      const workspaceId = await newWorkspace();
      const { namespace } = await store.createRatelimitNamespace(workspaceId, 'doomed', NOW);
      expect(await store.softDeleteRatelimitNamespace(await newWorkspace(), namespace.id, NOW)).toBe(false);
      expect(await store.softDeleteRatelimitNamespace(workspaceId, namespace.id, NOW)).toBe(true);
      expect(await store.softDeleteRatelimitNamespace(workspaceId, namespace.id, NOW)).toBe(false);
      expect(await store.listRatelimitNamespaces({ workspaceId, limit: 10 })).toEqual([]);
    });

    it('upsertRatelimitOverride creates, then updates keeping the id; nothing for a namespace that is not live', async () => {
      const workspaceId = await newWorkspace();
      const { namespace } = await store.createRatelimitNamespace(workspaceId, 'api', NOW);
      const base = { workspaceId, namespaceId: namespace.id, identifier: 'user_1', limit: 10, duration: 60_000 };
      const created = await store.upsertRatelimitOverride(base, NOW);
      expect(created).toEqual({
        created: true,
        override: {
          id: expect.stringMatching(/^rlor_/),
          namespaceId: namespace.id,
          identifier: 'user_1',
          limit: 10,
          duration: 60_000,
          createdAt: NOW,
          updatedAt: null,
        },
      });
      const updated = await store.upsertRatelimitOverride({ ...base, limit: 20, duration: 1000 }, NOW + 1);
      expect(updated).toEqual({ created: false, override: { ...created!.override, limit: 20, duration: 1000, updatedAt: NOW + 1 } });
      expect(await store.listRatelimitOverrides({ workspaceId, namespaceId: namespace.id, limit: 10 })).toEqual([updated!.override]);

      expect(await store.upsertRatelimitOverride({ ...base, workspaceId: await newWorkspace() }, NOW)).toBeUndefined();
      await store.softDeleteRatelimitNamespace(workspaceId, namespace.id, NOW + 2);
      expect(await store.upsertRatelimitOverride(base, NOW + 3)).toBeUndefined();
    });

    it('concurrent upserts of one identifier, each in its own transaction, make one override', async () => {
      const workspaceId = await newWorkspace();
      const { namespace } = await store.createRatelimitNamespace(workspaceId, 'contended', NOW);
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) =>
          store.transaction((tx) =>
            tx.upsertRatelimitOverride({ workspaceId, namespaceId: namespace.id, identifier: 'hot', limit: i + 1, duration: 1000 }, NOW),
          ),
        ),
      );
      expect(results.filter((r) => r?.created)).toHaveLength(1);
      expect(new Set(results.map((r) => r?.override.id)).size).toBe(1);
      expect(await store.listRatelimitOverrides({ workspaceId, namespaceId: namespace.id, limit: 10 })).toHaveLength(1);
    });

    it('override candidates: exact matches for the identifiers plus every pattern, in creation order', async () => {
      const workspaceId = await newWorkspace();
      const { namespace } = await store.createRatelimitNamespace(workspaceId, 'candidates', NOW);
      const { namespace: other } = await store.createRatelimitNamespace(workspaceId, 'other', NOW);
      const put = async (namespaceId: string, identifier: string) =>
        (await store.upsertRatelimitOverride({ workspaceId, namespaceId, identifier, limit: 1, duration: 1000 }, NOW))!.override;
      const premium = await put(namespace.id, 'premium_*');
      const exact = await put(namespace.id, 'user_1');
      await put(namespace.id, 'user_2');
      const any = await put(namespace.id, '*');
      const gone = await put(namespace.id, 'user_*');
      await put(other.id, 'user_1');
      expect(await store.softDeleteRatelimitOverride(workspaceId, gone.id, NOW)).toBe(true);

      const ids = async (identifiers: string[]) =>
        (await store.findRatelimitOverrideCandidates(workspaceId, namespace.id, identifiers)).map((o) => o.identifier);
      expect(await ids(['user_1', 'user_9'])).toEqual([premium.identifier, exact.identifier, any.identifier]);
      expect(await ids([])).toEqual(['premium_*', '*']);
      expect(await store.findRatelimitOverrideCandidates(await newWorkspace(), namespace.id, ['user_1'])).toEqual([]);
    });

    it('lists live overrides of one namespace by id, page by page; a deleted identifier can be set anew', async () => {
      const workspaceId = await newWorkspace();
      const { namespace } = await store.createRatelimitNamespace(workspaceId, 'paged', NOW);
      const made = [];
      for (const identifier of ['a', 'b', 'c', 'd']) {
        made.push(
          (await store.upsertRatelimitOverride({ workspaceId, namespaceId: namespace.id, identifier, limit: 1, duration: 1000 }, NOW))!
            .override,
        );
      }
      expect(await store.softDeleteRatelimitOverride(await newWorkspace(), made[0]!.id, NOW)).toBe(false);
      expect(await store.softDeleteRatelimitOverride(workspaceId, made[0]!.id, NOW)).toBe(true);
      expect(await store.softDeleteRatelimitOverride(workspaceId, made[0]!.id, NOW)).toBe(false);

      const page1 = await store.listRatelimitOverrides({ workspaceId, namespaceId: namespace.id, limit: 2 });
      const page2 = await store.listRatelimitOverrides({ workspaceId, namespaceId: namespace.id, limit: 2, cursor: page1.at(-1)!.id });
      expect([...page1, ...page2].map((o) => o.identifier)).toEqual(['b', 'c', 'd']);
      expect(await store.listRatelimitOverrides({ workspaceId: await newWorkspace(), namespaceId: namespace.id, limit: 10 })).toEqual([]);

      const again = await store.upsertRatelimitOverride(
        { workspaceId, namespaceId: namespace.id, identifier: 'a', limit: 5, duration: 1000 },
        NOW + 1,
      );
      expect(again?.created).toBe(true);
      expect(again?.override.id).not.toBe(made[0]!.id);
    });
  });
}
