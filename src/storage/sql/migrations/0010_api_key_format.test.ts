import { sql } from 'kysely';
import { expect } from 'vitest';
import { itMigratesFromThePrevious } from '../../../../test/schema-migration-fixtures.js';

/**
 * 0010 on a database that already holds an API (an upgrade): the API keeps making base58 keys, as before, and
 * keeps every other setting; an API inserted afterwards without naming a format gets base58 too (the service names
 * `checksummed` for new APIs, src/services/apis.ts).
 */
itMigratesFromThePrevious({
  migration: '0010_api_key_format',
  previous: '0009_nodes',
  title: '0010: existing APIs keep the base58 format and their settings',
  async seed(db) {
    await sql`INSERT INTO workspaces (id, name, enabled, created_at) VALUES ('ws_kept', 'kept', 1, 0)`.execute(db);
    await sql`INSERT INTO apis (id, workspace_id, name, delete_protection, store_encrypted_keys, default_prefix, default_byte_length, created_at)
      VALUES ('api_kept', 'ws_kept', 'kept', 1, 0, 'sk', 24, 0)`.execute(db);
  },
  async check(db) {
    const { rows } = await sql<{
      key_format: string;
      default_prefix: string;
      default_byte_length: number;
      delete_protection: number;
    }>`SELECT key_format, default_prefix, default_byte_length, delete_protection FROM apis WHERE id = 'api_kept'`.execute(db);
    expect(rows).toEqual([{ key_format: 'base58', default_prefix: 'sk', default_byte_length: 24, delete_protection: 1 }]);
  },
});
