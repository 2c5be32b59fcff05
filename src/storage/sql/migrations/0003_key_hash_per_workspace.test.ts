import { Migrator, sql, type Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';
import { freshDatabase, type EngineName } from '../../../../test/harness.js';
import { openDatabase } from '../dialect.js';
import { migrateToLatest } from '../migrate.js';
import type { Tables } from '../tables.js';
import * as m0001 from './0001_initial.js';
import * as m0002 from './0002_ratelimit_indexes.js';

/**
 * 0003 on a database that already holds keys (an upgrade): every row and column survives, the hash becomes unique
 * per workspace instead of store-wide, and the table keeps its indexes and foreign keys (SQLite rebuilds it).
 */

/** A keys row as 0003 knew the table: without the columns later migrations added (0013's lifetimes, 0014's credit alerts). */
type KeyRow0003 = Omit<
  Tables['keys'],
  'one_time' | 'consumed_at' | 'sliding_expiration' | 'credits_base' | 'credits_alerted' | 'expiry_alerted_for'
>;
type Tables0003 = Omit<Tables, 'keys'> & { keys: KeyRow0003 };

const key = (id: string, workspaceId: string, hash: string, fields: Partial<KeyRow0003> = {}): KeyRow0003 => ({
  id,
  workspace_id: workspaceId,
  api_id: `api_${workspaceId}`,
  hash,
  start: 'sk_abcd',
  prefix: 'sk',
  name: null,
  identity_id: null,
  meta: null,
  enabled: 1,
  expires: null,
  remaining: null,
  refill_amount: null,
  refill_day: null,
  last_refill_at: null,
  last_used_at: null,
  pending_migration_id: null,
  created_at: 1,
  updated_at: null,
  deleted_at: null,
  ...fields,
});

async function indexesOfKeys(db: Kysely<Tables0003>, engine: EngineName): Promise<string[]> {
  if (engine === 'sqlite') {
    const { rows } = await sql<{ name: string }>`SELECT name FROM pragma_index_list('keys')`.execute(db);
    return rows.map((r) => r.name).sort();
  }
  const { rows } = await sql<{ name: string }>`SELECT indexname AS name FROM pg_indexes
    WHERE tablename = 'keys' AND schemaname = current_schema()`.execute(db);
  return rows.map((r) => r.name).sort();
}

describe.each(['sqlite', 'postgres'] as const)('0003_key_hash_per_workspace on %s', (engine) => {
  it('keeps every row, makes the hash unique per workspace, keeps the indexes and foreign keys', async () => {
    const database = await freshDatabase(engine);
    const opened = openDatabase(database.url);
    const { dialect } = opened;
    const db = opened.db as unknown as Kysely<Tables0003>;
    try {
      const schema = await dialect.currentSchema(db);
      const before = new Migrator({
        db,
        provider: { getMigrations: async () => ({ '0001_initial': m0001, '0002_ratelimit_indexes': m0002 }) },
        ...(schema ? { migrationTableSchema: schema } : {}),
      });
      const { error } = await before.migrateToLatest();
      if (error) throw error;
      for (const ws of ['ws_a', 'ws_b']) {
        await db
          .insertInto('workspaces')
          .values({ id: ws, name: ws, enabled: 1, api_rate_limit: null, created_at: 1, deleted_at: null })
          .execute();
        await db
          .insertInto('apis')
          .values({
            id: `api_${ws}`,
            workspace_id: ws,
            name: 'api',
            delete_protection: 0,
            store_encrypted_keys: 0,
            default_prefix: null,
            default_byte_length: null,
            ip_whitelist: null,
            created_at: 1,
            updated_at: null,
            deleted_at: null,
          })
          .execute();
      }
      const rows = [
        key('key_1', 'ws_a', 'hash+1/=', {
          name: 'full',
          identity_id: 'id_1',
          meta: '{"a":1}',
          enabled: 0,
          expires: 9_000_000_000_000,
          remaining: 2 ** 40,
          refill_amount: 10,
          refill_day: 3,
          last_refill_at: 5,
          last_used_at: 6,
          pending_migration_id: 'migration_1',
          updated_at: 7,
          deleted_at: 8,
        }),
        key('key_2', 'ws_a', 'hash2'),
        key('key_3', 'ws_b', 'hash3'),
      ];
      await db.insertInto('keys').values(rows).execute();
      await expect(
        db
          .insertInto('keys')
          .values(key('key_4', 'ws_b', 'hash2'))
          .execute(),
      ).rejects.toThrow();

      // Only up to 0003: a later migration's indexes on keys (0011's keys_hash) are not this one's to check.
      expect((await migrateToLatest(db, dialect, '0003_key_hash_per_workspace'))[0]).toBe('0003_key_hash_per_workspace');

      const after = await db.selectFrom('keys').selectAll().orderBy('id').execute();
      expect(after.map((row) => ({ ...row, remaining: row.remaining === null ? null : Number(row.remaining) }))).toEqual(
        rows.map((row) => expect.objectContaining({ ...row })),
      );
      // Per workspace: B may now hold A's hash; A still may not hold it twice.
      await db
        .insertInto('keys')
        .values(key('key_4', 'ws_b', 'hash2'))
        .execute();
      await expect(
        db
          .insertInto('keys')
          .values(key('key_5', 'ws_a', 'hash2'))
          .execute(),
      ).rejects.toThrow();
      // Foreign keys still hold: a key of an API that does not exist is refused.
      await expect(
        db
          .insertInto('keys')
          .values({ ...key('key_6', 'ws_a', 'hash6'), api_id: 'api_missing' })
          .execute(),
      ).rejects.toThrow();

      const expected = ['keys_api', 'keys_identity', 'keys_refill', 'keys_workspace_hash'];
      const indexes = await indexesOfKeys(db, engine);
      for (const name of expected) expect(indexes).toContain(name);
      // Nothing else but the primary key's own index: no unique index on the hash alone is left.
      expect(indexes.filter((name) => !expected.includes(name))).toHaveLength(1);
    } finally {
      await db.destroy();
      await database.drop();
    }
  });
});
