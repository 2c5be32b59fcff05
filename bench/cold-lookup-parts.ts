/**
 * Where the CPU of one verify-path key lookup goes on a large SQLite store, in-process (issue 16; bench/RESULTS.md,
 * "Session 12"): the store's findKeyByHash, the same text run through Kysely precompiled, and the statement alone in
 * better-sqlite3. Reads a copy of a store kept by `bench/run.ts --keep-sqlite DIR`:
 *
 *   npx tsx bench/cold-lookup-parts.ts DIR/sqlite-1000000 [--mmap-mb N] [--keys N]
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CompiledQuery } from 'kysely';
import { hashKey } from '../src/core/key-format.js';
import { keyFromRow, type KeyRow } from '../src/storage/sql/key-rows.js';
import { keySql } from '../src/storage/sql/keys.js';
import { openSqlite } from '../src/storage/sqlite/open.js';
import { bulkKey, sampleIndexes } from './lib/keys.js';

const argv = process.argv.slice(2);
const option = (name: string, fallback: number) => {
  const i = argv.indexOf(name);
  return i === -1 ? fallback : Number(argv[i + 1]);
};
const dir = argv[0]!;
const saved = JSON.parse(readFileSync(join(dir, 'bench-store.json'), 'utf8')) as { workspaceId: string; stored: number };
const work = mkdtempSync(join(tmpdir(), 'cold-parts-'));
const file = join(work, 'keyward.sqlite');
copyFileSync(join(dir, 'keyward.sqlite'), file);
const count = option('--keys', 20_000);
const opened = openSqlite(file, { mmapBytes: option('--mmap-mb', 0) * 1024 * 1024 });
const ops = keySql(opened.db, opened.dialect);
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
try {
  // The statement's text as the store compiles it, taken from one call.
  let captured = '';
  const original = opened.db.executeQuery.bind(opened.db);
  opened.db.executeQuery = ((query: CompiledQuery) => {
    captured = query.sql;
    return original(query);
  }) as typeof opened.db.executeQuery;
  await ops.findKeyByHash(saved.workspaceId, hashKey(bulkKey(1)));
  opened.db.executeQuery = original as typeof opened.db.executeQuery;
  const statement = opened.sqlite!.prepare(captured);
  const ways: [string, (hash: string) => Promise<unknown> | unknown][] = [
    ['store findKeyByHash', (hash) => ops.findKeyByHash(saved.workspaceId, hash)],
    [
      'Kysely, compiled once',
      async (hash) => {
        const { rows } = await opened.db.executeQuery(CompiledQuery.raw(captured, [saved.workspaceId, hash]));
        return keyFromRow(rows[0] as KeyRow, rows[0] as KeyRow);
      },
    ],
    [
      'better-sqlite3 get + keyFromRow',
      (hash) => {
        const row = statement.get(saved.workspaceId, hash) as KeyRow;
        return keyFromRow(row, row);
      },
    ],
    ['better-sqlite3 get', (hash) => statement.get(saved.workspaceId, hash)],
  ];
  for (const round of [1, 2]) {
    for (const [name, lookup] of ways) {
      const hashes = sampleIndexes(saved.stored, count, round * 100 + name.length).map((i) => hashKey(bulkKey(i)));
      const started = cpu();
      for (const hash of hashes) if (!(await lookup(hash))) throw new Error('not found');
      console.log(`round ${round}: ${name}: ${((cpu() - started) / count).toFixed(1)} us CPU a lookup`);
    }
  }
} finally {
  await opened.db.destroy();
  rmSync(work, { recursive: true, force: true });
}
