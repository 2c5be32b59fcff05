import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../../../../test/harness.js';
import { openDatabase } from '../dialect.js';
import { migrateToLatest } from '../migrate.js';

/**
 * 0010 on a database that already holds an API (an upgrade): the API keeps making base58 keys, as before, and
 * keeps every other setting; an API inserted afterwards without naming a format gets base58 too (the service names
 * `checksummed` for new APIs, src/services/apis.ts).
 */
describe.each(['sqlite', 'postgres'] as const)('0010_api_key_format on %s', (engine) => {
  it('existing APIs keep the base58 format and their settings', async () => {
    const database = await freshDatabase(engine);
    const { db, dialect } = openDatabase(database.url);
    try {
      await migrateToLatest(db, dialect, '0009_nodes');
      await sql`INSERT INTO workspaces (id, name, enabled, created_at) VALUES ('ws_kept', 'kept', 1, 0)`.execute(db);
      await sql`INSERT INTO apis (id, workspace_id, name, delete_protection, store_encrypted_keys, default_prefix, default_byte_length, created_at)
        VALUES ('api_kept', 'ws_kept', 'kept', 1, 0, 'sk', 24, 0)`.execute(db);
      expect(await migrateToLatest(db, dialect, '0010_api_key_format')).toEqual(['0010_api_key_format']);
      const { rows } = await sql<{
        key_format: string;
        default_prefix: string;
        default_byte_length: number;
        delete_protection: number;
      }>`SELECT key_format, default_prefix, default_byte_length, delete_protection FROM apis WHERE id = 'api_kept'`.execute(db);
      expect(rows).toEqual([{ key_format: 'base58', default_prefix: 'sk', default_byte_length: 24, delete_protection: 1 }]);
    } finally {
      await db.destroy();
      await database.drop();
    }
  });
});
