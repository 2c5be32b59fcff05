import { expect, it } from 'vitest';
import { analyticsDdl } from '../../../analytics/ddl.js';
import { ANALYTICS_TABLES_0006 } from './0006_analytics.js';

// The PostgreSQL analytics tables are made by migrations, which never change once released; the SQLite file is made
// from src/analytics/ddl.ts directly. When schema.ts or ddl.ts changes, this fails: add a migration (0007 and on)
// that brings PostgreSQL's tables to the new shape, bump the SQLite file's schema version
// (src/analytics/sqlite-file.ts), then compare here against the DDL of 0006 plus the later migrations.
it('PostgreSQL migration 0006 makes the analytics tables src/analytics/ddl.ts describes', () => {
  expect([...ANALYTICS_TABLES_0006]).toEqual(analyticsDdl('postgres'));
});
