import { beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import type { KeyLeakRecord, Store } from '../store.js';
import { NOW, type StoreSuite } from './fixtures.js';

const leak = (workspaceId: string, keyId: string, fields: Partial<KeyLeakRecord> = {}): KeyLeakRecord => ({
  id: newId('leak', NOW),
  workspaceId,
  keyId,
  reportedAt: NOW,
  reporter: 'github-key-1',
  tokenType: 'keyward_api_key',
  url: 'https://github.com/octo/repo/blob/abc/config.txt',
  source: 'content',
  action: 'disabled',
  ...fields,
});

/** Leak reports (storage/leaks.ts): the lookup by hash across workspaces, recorded leaks, and replay digests. */
export function leakCases(suite: StoreSuite): void {
  describe('leaks', () => {
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('finds the live keys with a hash in every workspace, with their API leak policy, and nothing for deleted keys or APIs', async () => {
      const ours = await suite.fixture();
      const theirs = await suite.fixture();
      const key = await suite.newKey(ours.workspaceId, ours.apiId);
      // The same hash imported into another workspace, whose API only reports leaks.
      const copy = await suite.newKey(theirs.workspaceId, theirs.apiId, { hash: key.hash });
      await store.updateApiSettings(theirs.workspaceId, theirs.apiId, { leakPolicy: 'report' }, NOW + 1);
      const found = await store.findLeakedKeys(key.hash);
      expect(found).toHaveLength(2);
      expect(found).toEqual(
        expect.arrayContaining([
          { workspaceId: ours.workspaceId, keyId: key.id, leakPolicy: 'disable' },
          { workspaceId: theirs.workspaceId, keyId: copy.id, leakPolicy: 'report' },
        ]),
      );
      expect(await store.findLeakedKeys('no such hash')).toEqual([]);

      await store.softDeleteKey(key.id, NOW + 2);
      await store.softDeleteApi(theirs.workspaceId, theirs.apiId, NOW + 2);
      expect(await store.findLeakedKeys(key.hash)).toEqual([]);
    });

    it('records leaks and lists a key’s newest first, within its workspace only', async () => {
      const { workspaceId, apiId } = await suite.fixture();
      const other = await suite.newWorkspace();
      const key = await suite.newKey(workspaceId, apiId);
      const first = leak(workspaceId, key.id, { url: null, source: null, action: 'reported' });
      const second = leak(workspaceId, key.id, { reportedAt: NOW + 5 });
      await store.insertKeyLeak(first);
      await store.insertKeyLeak(second);
      expect(await store.listKeyLeaks(workspaceId, key.id, 10)).toEqual([second, first]);
      expect(await store.listKeyLeaks(workspaceId, key.id, 1)).toEqual([second]);
      expect(await store.listKeyLeaks(other, key.id, 10)).toEqual([]);
    });

    it('claims a report digest once, again after release, and prunes old digests', async () => {
      const digest = `digest-${Math.random()}`;
      expect(await store.claimLeakReport(digest, NOW)).toBe(true);
      expect(await store.claimLeakReport(digest, NOW + 1)).toBe(false);
      await store.releaseLeakReport(digest);
      expect(await store.claimLeakReport(digest, NOW + 2)).toBe(true);
      const old = `old-${Math.random()}`;
      await store.claimLeakReport(old, NOW - 10_000);
      expect(await store.pruneLeakReports(NOW - 5_000)).toBeGreaterThanOrEqual(1);
      expect(await store.claimLeakReport(old, NOW)).toBe(true);
      expect(await store.claimLeakReport(digest, NOW + 3)).toBe(false);
    });
  });
}
