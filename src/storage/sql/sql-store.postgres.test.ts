import { expect, it } from 'vitest';
import { freshDatabase } from '../../../test/harness.js';
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
