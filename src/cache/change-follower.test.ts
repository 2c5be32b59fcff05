import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/harness.js';
import { TestClock } from '../core/clock.js';
import { openSqlStore } from '../storage/sql/sql-store.js';
import type { Store } from '../storage/store.js';
import type { Invalidation } from './bus.js';
import { CHANGE_LOG_RETENTION_MS, ChangeFollower, type ChangeSource } from './change-follower.js';

/** The follower on real stores: what every node catches up from (docs/decisions/0013-invalidation-change-log.md). */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function opened(engine: 'sqlite' | 'postgres'): Promise<{ url: string; store: Store }> {
  const { url, drop } = await freshDatabase(engine);
  const store = await openSqlStore(url);
  cleanups.push(drop, () => store.close());
  return { url, store };
}

function follower(store: Store, clock = new TestClock()) {
  const delivered: Invalidation[] = [];
  return {
    delivered,
    clock,
    follower: new ChangeFollower(
      store,
      (message) => delivered.push(message),
      () => clock.now(),
    ),
  };
}

describe('ChangeFollower', () => {
  it.each(['sqlite', 'postgres'] as const)('%s: delivers what is logged after it starts, once each, as bus messages', async (engine) => {
    const { url, store } = await opened(engine);
    await store.logChanges([{ kind: 'rootKey', hash: 'before start' }], 1);
    const { delivered, follower: changes } = follower(store);
    await changes.start();
    expect(await changes.catchUp()).toBe(0);
    // Another process on the same database (a CLI command, another node) writes through a store of its own.
    const other = await openSqlStore(url);
    cleanups.push(() => other.close());
    await other.transaction((tx) =>
      tx.logChanges(
        [
          { kind: 'key', workspaceId: 'ws_1', hash: 'h' },
          { kind: 'workspace', workspaceId: 'ws_1' },
          { kind: 'ratelimitNamespace', workspaceId: 'ws_2' },
          { kind: 'from a newer version', workspaceId: 'ws_3' },
        ],
        2,
      ),
    );
    expect(await changes.catchUp()).toBe(4);
    expect(delivered).toEqual([
      { kind: 'key', workspaceId: 'ws_1', hash: 'h' },
      { kind: 'workspace', workspaceId: 'ws_1' },
      { kind: 'ratelimitNamespace', workspaceId: 'ws_2' },
      // A kind this version does not know drops everything rather than miss a change.
      { kind: 'all' },
    ]);
    expect(await changes.catchUp()).toBe(0);
    // More than one page in one transaction (keys.migrateKeys): all of it in one catch-up.
    await other.logChanges(
      Array.from({ length: 2500 }, (_, i) => ({ kind: 'key', workspaceId: 'ws_1', hash: `h${i}` })),
      3,
    );
    expect(await changes.catchUp()).toBe(2500);
  });

  it.each(['sqlite', 'postgres'] as const)(
    '%s: readAfterNow waits out a read already under way, then one read for every caller meanwhile sees what committed since',
    async (engine) => {
      const { store } = await opened(engine);
      // The real store's reads, held after their query answered when `hold` is set: a read under way with its snapshot taken.
      let hold = false;
      let reads = 0;
      let release: (() => void) | undefined;
      const held: ChangeSource = {
        lastChangeSeq: () => store.lastChangeSeq(),
        listChanges: async (after, missing, limit) => {
          reads += 1;
          const rows = await store.listChanges(after, missing, limit);
          if (hold)
            await new Promise<void>((resolve) => {
              release = resolve;
            });
          return rows;
        },
      };
      const delivered: Invalidation[] = [];
      const clock = new TestClock();
      const changes = new ChangeFollower(
        held,
        (message) => delivered.push(message),
        () => clock.now(),
      );
      await changes.start();
      hold = true;
      const underWay = changes.catchUp();
      while (release === undefined) await new Promise((resolve) => setTimeout(resolve, 1));
      hold = false;
      const readsBefore = reads;
      // Committed after the read under way took its snapshot: only a read that starts later can see it.
      await store.logChanges([{ kind: 'key', workspaceId: 'ws_1', hash: 'created meanwhile' }], 1);
      const waiting = [changes.readAfterNow(), changes.readAfterNow(), changes.readAfterNow()];
      release!();
      expect(await underWay).toBe(0);
      expect(await Promise.all(waiting)).toEqual([1, 1, 1]);
      expect(reads - readsBefore).toBe(1);
      expect(delivered).toEqual([{ kind: 'key', workspaceId: 'ws_1', hash: 'created meanwhile' }]);
      // With no read under way it reads at once; once stopped it refuses, rather than let a caller act on a read never made.
      expect(await changes.readAfterNow()).toBe(0);
      await changes.stop();
      await expect(changes.readAfterNow()).rejects.toThrow(/no longer followed/);
    },
  );

  it('postgres: a number that commits after a higher one is delivered when it commits, not skipped', async () => {
    const { url, store } = await opened('postgres');
    const { delivered, follower: changes } = follower(store);
    await changes.start();
    // A transaction that has taken its number but not committed yet, as two commits in flight on two nodes.
    const slow = new pg.Client({ connectionString: url });
    await slow.connect();
    cleanups.push(() => slow.end());
    await slow.query('BEGIN');
    await slow.query(`INSERT INTO change_log (at, kind, hash) VALUES (1, 'rootKey', 'committed second')`);
    await store.logChanges([{ kind: 'rootKey', hash: 'committed first' }], 1);
    expect(await changes.catchUp()).toBe(1);
    await slow.query('COMMIT');
    expect(await changes.catchUp()).toBe(1);
    expect(await changes.catchUp()).toBe(0);
    expect(delivered).toEqual([
      { kind: 'rootKey', hash: 'committed first' },
      { kind: 'rootKey', hash: 'committed second' },
    ]);
  });

  it('postgres: a number whose transaction rolled back is given up after a while', async () => {
    const { url, store } = await opened('postgres');
    const { delivered, clock, follower: changes } = follower(store);
    await changes.start();
    const slow = new pg.Client({ connectionString: url });
    await slow.connect();
    cleanups.push(() => slow.end());
    await slow.query('BEGIN');
    await slow.query(`INSERT INTO change_log (at, kind, hash) VALUES (1, 'rootKey', 'rolled back')`);
    await store.logChanges([{ kind: 'rootKey', hash: 'kept' }], 1);
    await changes.catchUp();
    await slow.query('ROLLBACK');
    clock.advance(61_000);
    expect(await changes.catchUp()).toBe(0);
    expect(delivered).toEqual([{ kind: 'rootKey', hash: 'kept' }]);
  });

  it('sqlite: away from the log for half its retention, it drops everything once (what it missed may be pruned)', async () => {
    const { store } = await opened('sqlite');
    const { delivered, clock, follower: changes } = follower(store);
    await changes.start();
    clock.advance(CHANGE_LOG_RETENTION_MS / 2 + 1);
    await changes.catchUp();
    expect(delivered).toEqual([{ kind: 'all' }]);
    await changes.catchUp();
    expect(delivered).toEqual([{ kind: 'all' }]);
  });
});
