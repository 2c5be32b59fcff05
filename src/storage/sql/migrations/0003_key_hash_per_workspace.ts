import { sql, type Kysely } from 'kysely';
import type { Engine } from '../../store.js';

/**
 * A key's hash is unique within its workspace, no longer across the store (issue 11, findings 1 and 10): with one
 * store-wide unique index, keys.migrateKeys told a tenant whether another workspace had a key with a given hash.
 * Every lookup by hash names the workspace, and this index (workspace_id, hash) serves it.
 *
 * PostgreSQL drops the column's unique constraint. SQLite cannot drop the index behind a column's UNIQUE, so the
 * table is rebuilt without it (the documented procedure: https://sqlite.org/lang_altertable.html#otheralter): no
 * table references `keys`, so dropping the old one breaks no foreign key.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run against every past schema, not today's Tables
export async function up(db: Kysely<any>, engine: Engine): Promise<void> {
  if (engine === 'postgres') {
    // The name PostgreSQL gave the column's UNIQUE in 0001_initial.
    await sql`ALTER TABLE keys DROP CONSTRAINT keys_hash_key`.execute(db);
  } else {
    await rebuildSqliteKeysWithoutUniqueHash(db);
  }
  await db.schema.createIndex('keys_workspace_hash').on('keys').columns(['workspace_id', 'hash']).unique().execute();
}

/** The columns of `keys` as 0001_initial made them (no later migration changed them), in that order. */
const COLUMNS = [
  'id',
  'workspace_id',
  'api_id',
  'hash',
  'start',
  'prefix',
  'name',
  'identity_id',
  'meta',
  'enabled',
  'expires',
  'remaining',
  'refill_amount',
  'refill_day',
  'last_refill_at',
  'last_used_at',
  'pending_migration_id',
  'created_at',
  'updated_at',
  'deleted_at',
];

// biome-ignore lint/suspicious/noExplicitAny: as above
async function rebuildSqliteKeysWithoutUniqueHash(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable('keys_rebuilt')
    .addColumn('id', 'text', (c) => c.primaryKey())
    .addColumn('workspace_id', 'text', (c) => c.notNull().references('workspaces.id'))
    .addColumn('api_id', 'text', (c) => c.notNull().references('apis.id'))
    .addColumn('hash', 'text', (c) => c.notNull())
    .addColumn('start', 'text', (c) => c.notNull())
    .addColumn('prefix', 'text')
    .addColumn('name', 'text')
    .addColumn('identity_id', 'text')
    .addColumn('meta', 'text')
    .addColumn('enabled', 'integer', (c) => c.notNull().defaultTo(1))
    .addColumn('expires', 'bigint')
    .addColumn('remaining', 'bigint')
    .addColumn('refill_amount', 'bigint')
    .addColumn('refill_day', 'integer')
    .addColumn('last_refill_at', 'bigint')
    .addColumn('last_used_at', 'bigint')
    .addColumn('pending_migration_id', 'text')
    .addColumn('created_at', 'bigint', (c) => c.notNull())
    .addColumn('updated_at', 'bigint')
    .addColumn('deleted_at', 'bigint')
    .execute();
  const columns = sql.join(COLUMNS.map((c) => sql.ref(c)));
  await sql`INSERT INTO keys_rebuilt (${columns}) SELECT ${columns} FROM keys`.execute(db);
  await db.schema.dropTable('keys').execute();
  await db.schema.alterTable('keys_rebuilt').renameTo('keys').execute();
  // The indexes 0001_initial made, dropped with the old table.
  await db.schema.createIndex('keys_api').on('keys').columns(['api_id', 'id']).execute();
  await db.schema.createIndex('keys_identity').on('keys').columns(['identity_id']).execute();
  await db.schema.createIndex('keys_refill').on('keys').columns(['refill_amount', 'last_refill_at']).execute();
}

export async function down(): Promise<void> {
  throw new Error('Keyward migrations are forward-only; restore a backup to go back.');
}
