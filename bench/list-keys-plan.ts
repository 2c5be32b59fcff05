/**
 * The query plans of one apis.listKeys page on a store of many keys (issue 16; docs/decisions/0029): the page's keys
 * and the set query of their limits, permissions and roles, as storage/sql/key-list.ts sends them.
 *
 *   npx tsx bench/list-keys-plan.ts [--keys 100000] [--engine sqlite|postgres] [--postgres-url URL]
 *
 * SQLite: EXPLAIN QUERY PLAN after the bench's ANALYZE; PostgreSQL: EXPLAIN ANALYZE after VACUUM ANALYZE. Each
 * statement is also timed over 200 pages from the middle of the API.
 */
import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import { listKeyPage } from '../src/storage/sql/key-list.js';
import { openDatabase, type SqlDialect } from '../src/storage/sql/dialect.js';
import { DatabaseHealth, guardedPool } from '../src/storage/postgres/guarded-pool.js';
import { NamedStatements } from '../src/storage/postgres/named-statements.js';
import { withStatementCache } from '../src/storage/sqlite/statement-cache.js';
import type { Tables } from '../src/storage/sql/tables.js';
import { bulkKeyId, prepareDatabase, type Engine } from './lib/keys.js';

const arg = (name: string, fallback: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1]! : fallback;
};
const keys = Number(arg('--keys', '100000'));
const engine = arg('--engine', 'sqlite') as Engine;
const postgresUrl = arg('--postgres-url', 'postgres://postgres@127.0.0.1:5432/postgres');

const db = await prepareDatabase(engine, keys, { postgresUrl, log: console.log });
try {
  // The store's dialect, with the texts it reads as arrays read so by this script's own connection too.
  const arrayRowTexts = new Set<string>();
  const dialect: SqlDialect = { ...openDatabase(db.databaseUrl).dialect, readRowsAsArrays: (text) => arrayRowTexts.add(text) };
  const texts: Array<{ sql: string; parameters: readonly unknown[] }> = [];
  const pool = () => new pg.Pool({ connectionString: db.databaseUrl, max: 1 });
  const logged = new Kysely<Tables>({
    dialect:
      engine === 'sqlite'
        ? new SqliteDialect({ database: withStatementCache(new Database(db.databaseUrl), arrayRowTexts) })
        : new PostgresDialect({ pool: guardedPool(pool(), new DatabaseHealth(), new NamedStatements(), arrayRowTexts) }),
    log: (event) => {
      if (event.level === 'query') texts.push({ sql: event.query.sql, parameters: event.query.parameters });
    },
  });
  const cursor = bulkKeyId(Math.floor(keys / 2));
  const page = await listKeyPage(logged, dialect, { workspaceId: db.workspaceId, apiId: db.apiId, cursor, limit: 101 });
  console.log(`page of ${page.length} keys from ${cursor}; ${texts.length} statements`);
  for (const { sql: text, parameters } of texts) {
    console.log(`\n${text.replace(/\s+/g, ' ').slice(0, 160)}...`);
    if (engine === 'sqlite') {
      const raw = new Database(db.databaseUrl, { readonly: true });
      for (const row of raw.prepare(`EXPLAIN QUERY PLAN ${text}`).all(...(parameters as unknown[])) as { detail: string }[])
        console.log(`  ${row.detail}`);
      raw.close();
    } else {
      const client = new pg.Client({ connectionString: db.databaseUrl });
      await client.connect();
      for (const row of (await client.query(`EXPLAIN ANALYZE ${text}`, parameters as unknown[])).rows)
        console.log(`  ${row['QUERY PLAN']}`);
      await client.end();
    }
  }
  const started = process.cpuUsage();
  const began = performance.now();
  for (let i = 0; i < 200; i++) {
    await listKeyPage(logged, dialect, {
      workspaceId: db.workspaceId,
      apiId: db.apiId,
      cursor: bulkKeyId(1 + ((i * 397) % (keys - 200))),
      limit: 101,
    });
  }
  const used = process.cpuUsage(started);
  console.log(
    `\n200 pages of 101: ${((performance.now() - began) / 200).toFixed(2)} ms a page, ${((used.user + used.system) / 200 / 1000).toFixed(2)} ms of CPU`,
  );
  await logged.destroy();
} finally {
  await db.drop();
}
