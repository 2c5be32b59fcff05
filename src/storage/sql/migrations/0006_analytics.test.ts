import { expect, it } from 'vitest';
import { analyticsDdl } from '../../../analytics/ddl.js';
import { ANALYTICS_TABLES_0006 } from './0006_analytics.js';
import { ANALYTICS_INDEXES_0008 } from './0008_analytics_rollup_indexes.js';
import { ANALYTICS_BLOCKS_0016, ANALYTICS_VIEWS_0016 } from './0016_analytics_blocks.js';
import { ANALYTICS_FILLFACTOR_0017 } from './0017_analytics_rollup_fillfactor.js';

// The PostgreSQL analytics tables are made by migrations, which never change once released; the SQLite file is made
// from src/analytics/ddl.ts directly. When schema.ts or ddl.ts changes, this fails: add a migration (0008 and on)
// that brings PostgreSQL's tables to the new shape, bump the SQLite file's schema version
// (src/analytics/sqlite-file.ts), then add the new migration's statements here.
it('PostgreSQL migrations 0006, 0008, 0016 and 0017 make the analytics tables, indexes and views src/analytics/ddl.ts describes', () => {
  // 0016 drops 0006's raw tables (and their indexes with them) for blocks and views.
  const raw = /(EXISTS|ON) "analytics_(verifications|ratelimits)" \(/;
  const kept = ANALYTICS_TABLES_0006.filter((statement) => !raw.test(statement));
  expect(kept).toHaveLength(ANALYTICS_TABLES_0006.length - 7);
  expect(
    [...kept, ...ANALYTICS_INDEXES_0008, ...ANALYTICS_BLOCKS_0016, ...ANALYTICS_VIEWS_0016, ...ANALYTICS_FILLFACTOR_0017].sort(),
  ).toEqual([...analyticsDdl('postgres')].sort());
});
