import { freshDatabase } from '../../../test/harness.js';
import { storeConformance } from '../store.suite.js';
import { openSqlStore } from './sql-store.js';

storeConformance('SQL store on SQLite', async () => {
  const { url, drop } = await freshDatabase('sqlite');
  const store = await openSqlStore(url);
  if (store.engine !== 'sqlite') throw new Error(`expected a SQLite store for ${url}, got ${store.engine}`);
  return { store, drop };
});
