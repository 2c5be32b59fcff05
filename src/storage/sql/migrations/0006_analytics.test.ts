import { expect, it } from 'vitest';
import { analyticsDdl } from '../../../analytics/ddl.js';
import { ANALYTICS_TABLES_0006 } from './0006_analytics.js';
import { ANALYTICS_INDEXES_0008 } from './0008_analytics_rollup_indexes.js';

// The PostgreSQL analytics tables are made by migrations, which never change once released; the SQLite file is made
// from src/analytics/ddl.ts directly. When schema.ts or ddl.ts changes, this fails: add a migration (0008 and on)
// that brings PostgreSQL's tables to the new shape, bump the SQLite file's schema version
// (src/analytics/sqlite-file.ts), then add the new migration's statements here.
it('PostgreSQL migrations 0006 and 0008 make the analytics tables and indexes src/analytics/ddl.ts describes', () => {
  expect([...ANALYTICS_TABLES_0006, ...ANALYTICS_INDEXES_0008].sort()).toEqual([...analyticsDdl('postgres')].sort());
});
