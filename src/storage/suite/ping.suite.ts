import { beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../store.js';
import type { StoreSuite } from './fixtures.js';

export function pingCases(suite: StoreSuite): void {
  describe('ping', () => {
    let store: Store;
    beforeAll(() => {
      store = suite.store;
    });

    it('answers while the database does, alongside other work and inside none of it', async () => {
      const { workspaceId } = await suite.fixture();
      const [pinged, workspace] = await Promise.all([store.ping(), store.findWorkspace(workspaceId), store.ping()]);
      expect(pinged).toBeUndefined();
      expect(workspace?.id).toBe(workspaceId);
    });

    it('fails once the store is closed', async () => {
      await suite.withOwnStore(async (own) => {
        await own.ping();
        await own.close();
        await expect(own.ping()).rejects.toThrow();
      });
    });
  });
}
