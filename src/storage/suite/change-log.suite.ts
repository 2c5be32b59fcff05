import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store.js';
import { NOW, type StoreSuite } from './fixtures.js';

/** The ordered change log every node catches up from (storage/change-log.ts, docs/decisions/0013). */
export function changeLogCases(suite: StoreSuite): void {
  describe('change log', () => {
    const { newWorkspace } = suite;
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('logs changes in order, lists those after a number, at most `limit`, with what each names', async () => {
      const workspaceId = await newWorkspace();
      const before = await store.lastChangeSeq();
      await store.logChanges(
        [
          { kind: 'key', workspaceId, hash: 'h1' },
          { kind: 'rootKey', hash: 'r1' },
          { kind: 'workspace', workspaceId },
        ],
        NOW,
      );
      const listed = await store.listChanges(before, [], 10);
      expect(listed.map(({ seq, ...change }) => change)).toEqual([
        { kind: 'key', workspaceId, hash: 'h1' },
        { kind: 'rootKey', workspaceId: null, hash: 'r1' },
        { kind: 'workspace', workspaceId, hash: null },
      ]);
      const seqs = listed.map((change) => change.seq);
      expect(seqs[0]).toBeGreaterThan(before);
      expect([...seqs].sort((x, y) => x - y)).toEqual(seqs);
      expect(await store.lastChangeSeq()).toBe(seqs[2]);
      expect(await store.listChanges(seqs[0]!, [], 1)).toEqual([listed[1]]);
      expect(await store.listChanges(seqs[2]!, [], 10)).toEqual([]);
      // A number passed as missing is answered though it is behind the cursor; an unknown one is simply absent.
      expect(await store.listChanges(seqs[2]!, [seqs[0]!, seqs[2]! + 1000], 10)).toEqual([listed[0]]);
    });

    it('in a transaction, changes are logged only if it commits, many in one go', async () => {
      const workspaceId = await newWorkspace();
      const before = await store.lastChangeSeq();
      await expect(
        store.transaction(async (tx) => {
          await tx.logChanges([{ kind: 'workspace', workspaceId }], NOW);
          throw new Error('abandoned');
        }),
      ).rejects.toThrow('abandoned');
      expect(await store.listChanges(before, [], 10)).toEqual([]);
      // keys.migrateKeys logs one change per key imported: more than one INSERT's worth.
      const hashes = Array.from({ length: 1201 }, (_, i) => `hash_${i}`);
      await store.transaction(async (tx) => {
        await tx.logChanges(
          hashes.map((hash) => ({ kind: 'key', workspaceId, hash })),
          NOW,
        );
        // Logged at commit, not before: nothing is there yet inside the work.
        expect(await tx.listChanges(before, [], 10)).toEqual([]);
      });
      const listed = await store.listChanges(before, [], 2000);
      expect(listed.map((change) => change.hash)).toEqual(hashes);
    });

    it('prunes what was logged before a time, from several callers at once, and never reuses a number', async () => {
      await suite.withOwnStore(async (own) => {
        await own.logChanges([{ kind: 'rootKey', hash: 'old' }], NOW - 10);
        await own.logChanges([{ kind: 'rootKey', hash: 'new' }], NOW);
        const last = await own.lastChangeSeq();
        const pruned = await Promise.all([own.pruneChanges(NOW), own.pruneChanges(NOW)]);
        expect(pruned[0]! + pruned[1]!).toBe(1);
        expect((await own.listChanges(0, [], 10)).map((change) => change.hash)).toEqual(['new']);
        expect(await own.pruneChanges(NOW + 1)).toBe(1);
        expect(await own.listChanges(0, [], 10)).toEqual([]);
        // Everything pruned: the next number still follows the last one, or readers past it would never see it.
        await own.logChanges([{ kind: 'rootKey', hash: 'after' }], NOW);
        expect((await own.listChanges(last, [], 10)).map((change) => change.hash)).toEqual(['after']);
      });
    });
  });
}
