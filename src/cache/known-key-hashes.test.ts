import { afterEach, describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/harness.js';
import { until } from '../../test/poll.js';
import { TestClock } from '../core/clock.js';
import { generateKey } from '../core/key-format.js';
import { insertApi, insertWorkspace, keyRow } from '../storage/suite/fixtures.js';
import { openSqlStore } from '../storage/sql/sql-store.js';
import type { Store } from '../storage/store.js';
import { ChangeFollower } from './change-follower.js';
import { KEY_FILTER_MAX_AGE_MS, KnownKeyHashes } from './known-key-hashes.js';

/**
 * The per-workspace filters of key hashes (docs/decisions/0021-unknown-key-flood.md) on real stores: what they are built
 * from, how a "no" is confirmed by the change log another node writes, and that nothing committed while a filter is built
 * is lost.
 */

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const unknownHash = () => generateKey(16).hash;

async function setup(engine: 'sqlite' | 'postgres', keys: number) {
  const { url, drop } = await freshDatabase(engine);
  const store = await openSqlStore(url);
  // Another node on the same database: what it commits reaches this one only through the change log.
  const other = await openSqlStore(url);
  cleanups.push(
    drop,
    () => store.close(),
    () => other.close(),
  );
  const workspaceId = await insertWorkspace(store);
  const apiId = (await insertApi(store, workspaceId)).id;
  const hashes: string[] = [];
  for (let i = 0; i < keys; i++) {
    const row = keyRow(workspaceId, apiId);
    await store.insertKey(row);
    hashes.push(row.hash);
  }
  const clock = new TestClock();
  // The store's pages, which a test may hold after their query answered: a build under way with a page read.
  const held = { on: false, release: undefined as (() => void) | undefined };
  // Every change the follower reads reaches the filters, as server.ts wires it.
  const changes = new ChangeFollower(
    store,
    (message) => known.apply(message),
    () => clock.now(),
  );
  const known = new KnownKeyHashes({
    listKeyHashes: async (ws, after, limit) => {
      const page = await store.listKeyHashes(ws, after, limit);
      if (held.on)
        await new Promise<void>((resolve) => {
          held.release = resolve;
        });
      return page;
    },
    readChangesAfterNow: () => changes.readAfterNow(),
    now: () => clock.now(),
    pageSize: 3,
  });
  // As server.ts does once the node registry shows every node logging new key hashes.
  known.trustNegatives(true);
  await changes.start();
  cleanups.push(() => changes.stop());
  /** A key committed by the other node, with its change logged as createKey logs it. */
  const createdElsewhere = async () => {
    const row = keyRow(workspaceId, apiId);
    await other.transaction(async (tx) => {
      await tx.insertKey(row);
      await tx.logChanges([{ kind: 'key', workspaceId, hash: row.hash }], clock.now());
    });
    return row.hash;
  };
  const built = (count: number) => until(() => known.stats.built === count, `build ${count}`);
  return { store: store as Store, workspaceId, apiId, hashes, known, changes, clock, held, createdElsewhere, built };
}

describe.each(['sqlite', 'postgres'] as const)('KnownKeyHashes on %s', (engine) => {
  it('holds every live key once built from pages, says no to others, and its no survives a change-log read', async () => {
    const { workspaceId, hashes, known, built, store } = await setup(engine, 10);
    // Nothing built yet: everything may exist, and the lookup goes on as before.
    expect(known.mayHold(workspaceId, unknownHash())).toBe(true);
    expect(known.bytes).toBe(0);
    known.missed(workspaceId);
    await built(1);
    expect(hashes.every((hash) => known.mayHold(workspaceId, hash))).toBe(true);
    const unknown = Array.from({ length: 200 }, unknownHash);
    const refused = unknown.filter((hash) => !known.mayHold(workspaceId, hash));
    expect(refused.length).toBeGreaterThan(190);
    expect(await known.confirmUnknown(workspaceId, refused[0]!)).toBe(true);
    expect(known.stats).toMatchObject({ unknown: 1, late: 0, built: 1, failed: 0 });
    expect(known.stats.passed).toBeGreaterThanOrEqual(10);
    // Another workspace has no filter of its own yet: no answer from this one.
    expect(known.mayHold(await insertWorkspace(store), refused[0]!)).toBe(true);
    // Sized for 1.5 times the keys or 1,024 at least, 10 bits each.
    expect(known.bytes).toBe(1280);
  });

  it('a key another node committed is not refused: the no waits for a change-log read that has it (Redis or not)', async () => {
    const { workspaceId, known, built, createdElsewhere } = await setup(engine, 4);
    known.missed(workspaceId);
    await built(1);
    const hash = await createdElsewhere();
    // Nothing told this node yet (no bus here at all): the filter alone would say no.
    expect(known.mayHold(workspaceId, hash)).toBe(false);
    expect(await known.confirmUnknown(workspaceId, hash)).toBe(false);
    expect(known.stats).toMatchObject({ unknown: 0, late: 1 });
    expect(known.mayHold(workspaceId, hash)).toBe(true);
  });

  it('while a node that does not log new keys is up, a no is looked up; trusted again, the filter is built anew', async () => {
    const { workspaceId, known, built, store, apiId } = await setup(engine, 4);
    known.missed(workspaceId);
    await built(1);
    // The node registry shows a node of an earlier version: it creates keys without logging their hash.
    known.trustNegatives(false);
    const row = keyRow(workspaceId, apiId);
    await store.insertKey(row);
    expect(known.mayHold(workspaceId, row.hash)).toBe(false);
    expect(await known.confirmUnknown(workspaceId, row.hash)).toBe(false);
    const unknown = Array.from({ length: 50 }, unknownHash).find((hash) => !known.mayHold(workspaceId, hash))!;
    expect(await known.confirmUnknown(workspaceId, unknown)).toBe(false);
    expect(known.stats).toMatchObject({ unknown: 0, late: 0, untrusted: 2 });
    // Told again: the filter stays as it is.
    known.trustNegatives(false);
    expect(known.mayHold(workspaceId, unknown)).toBe(false);
    // That node has left: no filter until the next miss builds one from the store, which holds its key.
    known.trustNegatives(true);
    expect(known.mayHold(workspaceId, unknown)).toBe(true);
    expect(known.bytes).toBe(0);
    known.missed(workspaceId);
    await built(2);
    expect(known.mayHold(workspaceId, row.hash)).toBe(true);
    expect(await known.confirmUnknown(workspaceId, unknown)).toBe(true);
  });

  it('keeps a key committed while it is built, after the page that would have held it was read', async () => {
    const { workspaceId, known, built, createdElsewhere, changes, held } = await setup(engine, 2);
    held.on = true;
    known.missed(workspaceId);
    await until(() => held.release !== undefined, 'the first page is read');
    const hash = await createdElsewhere();
    // The follower delivers it while the build waits: the build gathers it.
    await changes.catchUp();
    held.on = false;
    held.release!();
    await built(1);
    expect(known.mayHold(workspaceId, hash)).toBe(true);
  });

  it('`workspace` and `all` drop filters (a build under way too); a miss builds again, as does age', async () => {
    const { workspaceId, known, built, held, clock, hashes } = await setup(engine, 2);
    const refused = () => Array.from({ length: 50 }, unknownHash).some((hash) => !known.mayHold(workspaceId, hash));
    known.missed(workspaceId);
    await built(1);
    expect(refused()).toBe(true);
    known.apply({ kind: 'workspace', workspaceId });
    expect(refused()).toBe(false);
    // Dropped while building: that build is thrown away, never installed.
    held.on = true;
    known.missed(workspaceId);
    await until(() => held.release !== undefined, 'the first page is read');
    known.apply({ kind: 'all' });
    held.on = false;
    held.release!();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(known.stats.built).toBe(1);
    expect(refused()).toBe(false);
    known.missed(workspaceId);
    await built(2);
    expect(refused()).toBe(true);
    // A second miss while fresh builds nothing; once older than the maximum age it builds again, the old one answering meanwhile.
    known.missed(workspaceId);
    clock.advance(KEY_FILTER_MAX_AGE_MS + 1);
    known.missed(workspaceId);
    expect(refused()).toBe(true);
    await built(3);
    expect(hashes.every((hash) => known.mayHold(workspaceId, hash))).toBe(true);
    // A filter that refuses every unknown key sees no store miss: its own confirmed "no" counts as one for its age.
    clock.advance(KEY_FILTER_MAX_AGE_MS + 1);
    const unknown = Array.from({ length: 50 }, unknownHash).find((hash) => !known.mayHold(workspaceId, hash))!;
    expect(await known.confirmUnknown(workspaceId, unknown)).toBe(true);
    await built(4);
  });
});
