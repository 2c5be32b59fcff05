import { Migrator, type Kysely, type Migration, type MigrationProvider } from 'kysely';
import type { SqlDialect } from './dialect.js';
import { introspectingCurrentSchemaOnly } from '../postgres/schema-introspection.js';
import * as m0001 from './migrations/0001_initial.js';
import * as m0002 from './migrations/0002_ratelimit_indexes.js';
import * as m0003 from './migrations/0003_key_hash_per_workspace.js';
import * as m0004 from './migrations/0004_audit_chain.js';
import * as m0005 from './migrations/0005_change_log.js';
import * as m0006 from './migrations/0006_analytics.js';
import * as m0007 from './migrations/0007_operators.js';
import * as m0008 from './migrations/0008_analytics_rollup_indexes.js';
import * as m0009 from './migrations/0009_nodes.js';
import * as m0010 from './migrations/0010_api_key_format.js';
import * as m0011 from './migrations/0011_key_leaks.js';
import * as m0012 from './migrations/0012_webhooks.js';
import * as m0013 from './migrations/0013_key_lifetimes.js';
import * as m0014 from './migrations/0014_alerts.js';
import * as m0015 from './migrations/0015_node_capabilities.js';
import * as m0016 from './migrations/0016_analytics_blocks.js';
import * as m0017 from './migrations/0017_analytics_rollup_fillfactor.js';
import type { Engine } from '../store.js';

/**
 * Migrations are imported statically so the built package needs no migrations folder on disk. The few that must
 * change a table differently on each engine are given the engine.
 */
const migrations = (engine: Engine): Record<string, Migration> => ({
  '0001_initial': m0001,
  '0002_ratelimit_indexes': m0002,
  '0003_key_hash_per_workspace': { up: (db) => m0003.up(db, engine), down: m0003.down },
  '0004_audit_chain': m0004,
  '0005_change_log': { up: (db) => m0005.up(db, engine), down: m0005.down },
  '0006_analytics': { up: (db) => m0006.up(db, engine), down: m0006.down },
  '0007_operators': m0007,
  '0008_analytics_rollup_indexes': { up: (db) => m0008.up(db, engine), down: m0008.down },
  '0009_nodes': m0009,
  '0010_api_key_format': m0010,
  '0011_key_leaks': m0011,
  '0012_webhooks': m0012,
  '0013_key_lifetimes': m0013,
  '0014_alerts': m0014,
  '0015_node_capabilities': m0015,
  '0016_analytics_blocks': { up: (db) => m0016.up(db, engine), down: m0016.down },
  '0017_analytics_rollup_fillfactor': { up: (db) => m0017.up(db, engine), down: m0017.down },
});

/**
 * Applies every pending migration (or those up to and including `upTo`: a migration's test builds the database as the
 * one before it left it); returns the names applied. Safe to run from several nodes at once.
 */
export async function migrateToLatest(
  // biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
  db: Kysely<any>,
  dialect: Pick<SqlDialect, 'engine' | 'currentSchema' | 'withMigrationLock'>,
  upTo?: string,
): Promise<string[]> {
  // Without a schema, Kysely looks for its bookkeeping tables in EVERY schema: one in another schema of
  // the same PostgreSQL database would make it skip creating ours, and migrating fails.
  const migrationTableSchema = await dialect.currentSchema(db);
  const provider: MigrationProvider = { getMigrations: async () => migrations(dialect.engine) };
  const migrator = new Migrator({
    db: dialect.engine === 'postgres' ? introspectingCurrentSchemaOnly(db) : db,
    provider,
    ...(migrationTableSchema ? { migrationTableSchema } : {}),
  });
  return dialect.withMigrationLock(async () => {
    const { error, results } = await (upTo === undefined ? migrator.migrateToLatest() : migrator.migrateTo(upTo));
    if (error) throw error;
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  });
}
