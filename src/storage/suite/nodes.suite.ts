import { beforeAll, describe, expect, it } from 'vitest';
import type { NodeRecord, Store } from '../store.js';
import { NOW, type StoreSuite } from './fixtures.js';

let counter = 0;

/** A node row with a fresh id; the store is shared by every case, so each names its own nodes. */
function nodeRow(fields: Partial<NodeRecord> = {}): NodeRecord {
  return {
    id: `node_suite${++counter}${Math.random().toString(36).slice(2, 10)}`,
    name: 'node-a',
    hostname: 'host-a',
    version: '1.2.3',
    engine: 'sqlite',
    database: 'ok',
    redis: 'unused',
    startedAt: NOW,
    lastSeenAt: NOW,
    capabilities: ['logs-new-key-hashes'],
    ...fields,
  };
}

/** The installation-wide registry of running nodes (storage/nodes.ts). */
export function nodeCases(suite: StoreSuite): void {
  describe('nodes', () => {
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('upserts a row, replacing every field of it on the next heartbeat, and lists it as written', async () => {
      const node = nodeRow({ engine: 'postgres', redis: 'ok' });
      await store.upsertNode(node);
      expect((await store.listNodes()).find((n) => n.id === node.id)).toEqual(node);
      const later = { ...node, lastSeenAt: NOW + 10_000, redis: 'unavailable' as const, database: 'timeout' as const, version: '1.2.4' };
      await store.upsertNode(later);
      expect((await store.listNodes()).filter((n) => n.id === node.id)).toEqual([later]);
    });

    it('keeps the capabilities a node advertises, none or several, names it does not know included', async () => {
      const [none, several] = [nodeRow({ capabilities: [] }), nodeRow({ capabilities: ['logs-new-key-hashes', 'from-a-later-version'] })];
      await store.upsertNode(none);
      await store.upsertNode(several);
      const listed = await store.listNodes();
      expect(listed.find((n) => n.id === none.id)?.capabilities).toEqual([]);
      expect(listed.find((n) => n.id === several.id)?.capabilities).toEqual(['logs-new-key-hashes', 'from-a-later-version']);
    });

    it('lists by name then id', async () => {
      const [b, a] = [nodeRow({ name: 'suite-order-b' }), nodeRow({ name: 'suite-order-a' })];
      await store.upsertNode(b);
      await store.upsertNode(a);
      const ids = (await store.listNodes()).map((n) => n.id).filter((id) => id === a.id || id === b.id);
      expect(ids).toEqual([a.id, b.id]);
    });

    it('deletes one row on a clean stop; a second delete finds nothing', async () => {
      const [gone, stays] = [nodeRow(), nodeRow()];
      await store.upsertNode(gone);
      await store.upsertNode(stays);
      expect(await store.deleteNode(gone.id)).toBe(true);
      expect(await store.deleteNode(gone.id)).toBe(false);
      const ids = (await store.listNodes()).map((n) => n.id);
      expect(ids).toContain(stays.id);
      expect(ids).not.toContain(gone.id);
    });

    it('prunes only the rows last seen before the bound', async () => {
      // Far in the past, so rows other cases leave behind are not pruned by this one.
      const old = nodeRow({ lastSeenAt: 1000 });
      const bound = nodeRow({ lastSeenAt: 2000 });
      await store.upsertNode(old);
      await store.upsertNode(bound);
      expect(await store.pruneNodes(2000)).toBeGreaterThanOrEqual(1);
      const ids = (await store.listNodes()).map((n) => n.id);
      expect(ids).not.toContain(old.id);
      expect(ids).toContain(bound.id);
      expect(await store.deleteNode(bound.id)).toBe(true);
    });
  });
}
