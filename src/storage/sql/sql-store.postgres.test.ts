import { expect, it } from 'vitest';
import { freshDatabase } from '../../../test/harness.js';
import { insertApi, insertWorkspace, keyRow, NOW } from '../suite/fixtures.js';
import { storeConformance } from '../suite/index.js';
import { openSqlStore } from './sql-store.js';

async function openPostgres() {
  const { url, drop } = await freshDatabase('postgres');
  const store = await openSqlStore(url);
  if (store.engine !== 'postgres') throw new Error(`expected a PostgreSQL store for ${url}, got ${store.engine}`);
  return { store, drop };
}

storeConformance('SQL store on PostgreSQL', openPostgres);

// Kysely looks for its migration tables in every schema unless told which one; without that, a second
// Keyward schema in one database was never migrated ("relation kysely_migration_lock does not exist").
it('migrates a schema while another schema of the same database is already migrated', async () => {
  const first = await openPostgres();
  try {
    const second = await openPostgres();
    try {
      // Its own, empty tables: the first start is still to be claimed there.
      expect(await second.store.claimFirstStart(1)).toBe(true);
      expect(await first.store.claimFirstStart(1)).toBe(true);
    } finally {
      await second.store.close();
      await second.drop();
    }
  } finally {
    await first.store.close();
    await first.drop();
  }
});

// A commit group's works run one after another in one transaction (postgres/transaction-group.ts); each creation
// reads its API, so the group reads each API once (sql-store.ts, apisReadOncePerGroup), a round trip less per work.
it('the works of one commit group read an API once: a deletion committed while the group runs is not seen by its later works', async () => {
  const { store, drop } = await openPostgres();
  try {
    const workspaceId = await insertWorkspace(store);
    const api = await insertApi(store, workspaceId);
    let deleted!: () => void;
    const deletion = new Promise<void>((resolve) => {
      deleted = resolve;
    });
    const seen = await Promise.all([
      // Alone in the first group (it starts at once): the two below, queued meanwhile, form the next one.
      store.transaction(async () => new Promise<string>((resolve) => setImmediate(() => resolve(api.id))), { commitGroup: workspaceId }),
      store.transaction(
        async (tx) => {
          const found = await tx.findApi(workspaceId, api.id);
          // Committed on another connection, outside the group, before the group's next work runs.
          await store.softDeleteApi(workspaceId, api.id, NOW + 1);
          deleted();
          return found?.id;
        },
        { commitGroup: workspaceId },
      ),
      store.transaction(
        async (tx) => {
          await deletion;
          return (await tx.findApi(workspaceId, api.id))?.id;
        },
        { commitGroup: workspaceId },
      ),
    ]);
    expect(seen).toEqual([api.id, api.id, api.id]);
    // The next group reads it again.
    expect(await store.transaction((tx) => tx.findApi(workspaceId, api.id), { commitGroup: workspaceId })).toBeUndefined();
    expect(await store.findApi(workspaceId, api.id)).toBeUndefined();
  } finally {
    await store.close();
    await drop();
  }
});

// A work's savepoint is not waited for (postgres/guarded-pool.ts, GROUPED_SAVEPOINT): should it fail, the group fails
// as a whole, however its later statements fare, and nothing of it stays.
it('a commit group whose work left the transaction aborted fails as a whole, nothing of it stays, and the store goes on', async () => {
  const { store, drop } = await openPostgres();
  try {
    const workspaceId = await insertWorkspace(store);
    const api = await insertApi(store, workspaceId);
    const results = await Promise.allSettled([
      // Alone in the first group (it starts at once): the three below, queued meanwhile, form the next one.
      store.transaction(
        async (tx) => {
          await new Promise(setImmediate);
          await tx.insertKey(keyRow(workspaceId, api.id, { name: 'alone' }));
        },
        { commitGroup: workspaceId },
      ),
      store.transaction((tx) => tx.insertKey(keyRow(workspaceId, api.id, { name: 'first' })), { commitGroup: workspaceId }),
      store.transaction(
        async (tx) => {
          await tx.insertKey(keyRow(workspaceId, api.id, { name: 'second' }));
          // A failed statement whose error the work swallows: PostgreSQL's transaction is aborted, so the next work's
          // savepoint fails.
          await tx.insertApi(api).catch(() => undefined);
        },
        { commitGroup: workspaceId },
      ),
      store.transaction((tx) => tx.insertKey(keyRow(workspaceId, api.id, { name: 'third' })), { commitGroup: workspaceId }),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'rejected']);
    expect((await store.listKeys({ workspaceId, apiId: api.id, limit: 10 })).map((k) => k.name)).toEqual(['alone']);
    // Its connection was discarded, not handed to the next user.
    await store.transaction((tx) => tx.insertKey(keyRow(workspaceId, api.id, { name: 'after' })), { commitGroup: workspaceId });
    expect((await store.listKeys({ workspaceId, apiId: api.id, limit: 10 })).map((k) => k.name).sort()).toEqual(['after', 'alone']);
  } finally {
    await store.close();
    await drop();
  }
});
