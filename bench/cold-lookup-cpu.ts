/**
 * CPU of the verify path's key lookup and of a lastUsedAt flush on a large SQLite store, in-process, with the memory map
 * given on the command line (issue 16, cold verification; bench/RESULTS.md, "Session 12"):
 *
 *   npx tsx bench/cold-lookup-cpu.ts DIR/sqlite-1000000 (a store kept by bench/run.ts --keep-sqlite DIR) [--mmap-mb N] [--keys N]
 *
 * The store is copied first (the flush writes), so the kept store stays as it was. Prints CPU us (user + system) per
 * lookup over `--keys` distinct sampled keys, and per key of one 10,000-key flush (src/storage/sqlite/usage-slices.ts).
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashKey } from '../src/core/key-format.js';
import { openSqlStore } from '../src/storage/sql/sql-store.js';
import { bulkKey, bulkKeyId, sampleIndexes } from './lib/keys.js';

const argv = process.argv.slice(2);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i === -1 ? undefined : Number(argv[i + 1]);
};
const dir = argv[0]!;
const saved = JSON.parse(readFileSync(join(dir, 'bench-store.json'), 'utf8')) as { workspaceId: string; stored: number };
const work = mkdtempSync(join(tmpdir(), 'cold-lookup-'));
const file = join(work, 'keyward.sqlite');
copyFileSync(join(dir, 'keyward.sqlite'), file);
const mmapMb = option('--mmap-mb') ?? 0;
const count = option('--keys') ?? 20_000;
const store = await openSqlStore(file, undefined, { mmapBytes: mmapMb * 1024 * 1024 });
const cpu = () => {
  const u = process.cpuUsage();
  return u.user + u.system;
};
try {
  const indexes = sampleIndexes(saved.stored, count, Date.now() % 1000);
  const hashes = indexes.map((i) => hashKey(bulkKey(i)));
  let started = cpu();
  for (const hash of hashes) if (!(await store.findKeyByHash(saved.workspaceId, hash))) throw new Error('not found');
  const lookupUs = (cpu() - started) / count;
  const usage = new Map(indexes.slice(0, 10_000).map((i) => [bulkKeyId(i), Date.now()]));
  started = cpu();
  await store.recordKeyUsage(usage);
  const flushUs = (cpu() - started) / usage.size;
  console.log(`mmap ${mmapMb} MB: lookup ${lookupUs.toFixed(1)} us CPU (${count} keys), flush ${flushUs.toFixed(1)} us CPU per key`);
} finally {
  await store.close();
  rmSync(work, { recursive: true, force: true });
}
