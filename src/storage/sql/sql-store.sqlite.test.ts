import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { newId } from '../../core/ids.js';
import { generateKey } from '../../core/key-format.js';
import { freshDatabase } from '../../../test/harness.js';
import { storeConformance } from '../suite/index.js';
import { openSqlStore } from './sql-store.js';

storeConformance('SQL store on SQLite', async () => {
  const { url, drop } = await freshDatabase('sqlite');
  const store = await openSqlStore(url);
  if (store.engine !== 'sqlite') throw new Error(`expected a SQLite store for ${url}, got ${store.engine}`);
  return { store, drop };
});

describe('credit spends on SQLite commit in groups (credit-batch.ts)', () => {
  it('a group whose transaction fails is rolled back whole: every spend in it fails and no balance changes', async () => {
    const { url, drop } = await freshDatabase('sqlite');
    const store = await openSqlStore(url);
    const raw = new Database(url);
    try {
      const workspaceId = newId('workspace');
      const apiId = newId('api');
      await store.insertWorkspace({ id: workspaceId, name: 'w', enabled: true, createdAt: 0 });
      await store.insertApi({
        id: apiId,
        workspaceId,
        name: 'a',
        deleteProtection: false,
        storeEncryptedKeys: false,
        keyFormat: 'base58',
        ipWhitelist: null,
        leakPolicy: 'disable',
        defaultPrefix: null,
        defaultByteLength: 16,
        createdAt: 0,
        updatedAt: null,
      });
      const ids = [newId('key'), newId('key')];
      for (const [i, id] of ids.entries()) {
        const key = generateKey(16, null);
        await store.insertKey({
          id,
          workspaceId,
          apiId,
          hash: key.hash,
          start: key.start,
          prefix: null,
          name: null,
          identityId: null,
          meta: null,
          enabled: true,
          expires: null,
          remaining: 10 + i * 10,
          refill: null,
          createdAt: 0,
        });
      }
      // A write that fails mid-group, as a full disk or an I/O error would.
      raw.exec(
        `CREATE TRIGGER refuse_13 BEFORE UPDATE OF remaining ON keys WHEN NEW.remaining = 13 BEGIN SELECT RAISE(ABORT, 'refused'); END`,
      );
      const spend = (id: string, cost: number) => store.spendCredits(id, cost, { now: 0, updatedAt: null });
      const group = [spend(ids[0]!, 2), spend(ids[1]!, 7), spend(ids[0]!, 1)];
      const outcomes = await Promise.allSettled(group);
      expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect([await store.readCredits(ids[0]!), await store.readCredits(ids[1]!)]).toEqual([10, 20]);

      raw.exec('DROP TRIGGER refuse_13');
      // The next group is not held up by the failed one.
      expect(await Promise.all([spend(ids[0]!, 2), spend(ids[1]!, 7)])).toEqual([
        { charged: true, remaining: 8 },
        { charged: true, remaining: 13 },
      ]);
    } finally {
      raw.close();
      await store.close();
      await drop();
    }
  });
});

describe('lastUsedAt flushes on SQLite (sqlite/usage-slices.ts)', () => {
  it('a flush of 1,100 keys lets the event loop through between its slices of 500, so requests are not held for all of it', async () => {
    const { url, drop } = await freshDatabase('sqlite');
    const store = await openSqlStore(url);
    try {
      const usage = new Map(Array.from({ length: 1_100 }, (_, i) => [newId('key'), i]));
      // Counts the event loop's turns while the flush runs: a flush in one go (better-sqlite3 is synchronous) allows none.
      let turns = 0;
      let flushing = true;
      const turn = () => {
        if (!flushing) return;
        turns++;
        setImmediate(turn);
      };
      setImmediate(turn);
      await store.recordKeyUsage(usage);
      flushing = false;
      expect(turns).toBeGreaterThanOrEqual(2);
    } finally {
      await store.close();
      await drop();
    }
  });
});
