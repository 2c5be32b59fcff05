/**
 * CPU and wall time of one read of the change log that finds nothing new (storage/sql/change-log.ts, listChanges): what
 * every node pays on each poll, and, during a flood of unknown keys, once per batch of them (cache/change-follower.ts,
 * readAfterNow). In one process, on a fresh store, one read at a time; the last round is the figure.
 *
 *   npx tsx bench/change-log-read.ts [--engine postgres|sqlite] [--reads 5000] [--rounds 3]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { freshPostgresSchema } from '../test/harness.js';
import { openDatabase } from '../src/storage/sql/dialect.js';
import { migrateToLatest } from '../src/storage/sql/migrate.js';
import { openSqlStore } from '../src/storage/sql/sql-store.js';
import { option } from './lib/in-process.js';

const engine = option('--engine', 'postgres');
const reads = Number(option('--reads', '5000'));
const rounds = Number(option('--rounds', '3'));

let url: string;
let drop: () => Promise<void>;
if (engine === 'postgres') {
  ({ url, drop } = await freshPostgresSchema());
} else {
  const dir = mkdtempSync(join(os.tmpdir(), 'keyward-change-log-'));
  url = join(dir, 'keyward.sqlite');
  drop = async () => rmSync(dir, { recursive: true, force: true });
}
const migrating = openDatabase(url);
await migrateToLatest(migrating.db, migrating.dialect);
await migrating.db.destroy();
const store = await openSqlStore(url);
try {
  await store.logChanges([{ kind: 'key', workspaceId: 'ws_bench', hash: 'bench' }], Date.now());
  const last = await store.lastChangeSeq();
  for (let round = 1; round <= rounds; round++) {
    const cpu = process.cpuUsage();
    const started = performance.now();
    for (let i = 0; i < reads; i++) await store.listChanges(last, [], 1000);
    const used = process.cpuUsage(cpu);
    const wall = (performance.now() - started) * 1000;
    console.log(
      `${engine} round ${round}: ${((used.user + used.system) / reads).toFixed(1)} us CPU a read, ${(wall / reads).toFixed(1)} us wall`,
    );
  }
} finally {
  await store.close();
  await drop();
}
