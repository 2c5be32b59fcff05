/**
 * Heap bytes a cached key holds, in-process (issue 6's peak memory at 1,000,000 stored keys; bench/RESULTS.md,
 * "Session 17"): the key record the verify path's lookup returns, and the prepared form verification derives from it
 * (src/services/verify/prepared-key.ts). At the default KEYWARD_CACHE_SIZE a node holds 100,000 of both.
 *
 *   node --expose-gc --import tsx bench/key-cache-memory.ts DIR/sqlite-1000000 [--keys N] [--root DIR]
 *
 * DIR is a store kept by `bench/run.ts --keep-sqlite DIR` (it is copied first, and never written). `--root` measures
 * another checkout's build (dist/, `npm run build` there), to compare two trees. Prints bytes per key, each the heap
 * growth over `--keys` distinct keys (default 100,000) after full garbage collections.
 */
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { hashKey } from '../src/core/key-format.js';
import { bulkKey, sampleIndexes } from './lib/keys.js';

const argv = process.argv.slice(2);
const option = (name: string) => {
  const i = argv.indexOf(name);
  return i === -1 ? undefined : argv[i + 1];
};
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error('run with node --expose-gc --import tsx');
const dir = argv[0]!;
const root = option('--root');
const count = Number(option('--keys') ?? 100_000);
const module = async <M>(path: string): Promise<M> =>
  (await import(root ? pathToFileURL(join(resolve(root), 'dist/src', `${path}.js`)).href : `../src/${path}.js`)) as M;
const { openSqlStore } = await module<typeof import('../src/storage/sql/sql-store.js')>('storage/sql/sql-store');
const { prepare } = await module<typeof import('../src/services/verify/prepared-key.js')>('services/verify/prepared-key');

const saved = JSON.parse(readFileSync(join(dir, 'bench-store.json'), 'utf8')) as { workspaceId: string; stored: number };
const work = mkdtempSync(join(tmpdir(), 'key-cache-memory-'));
const file = join(work, 'keyward.sqlite');
copyFileSync(join(dir, 'keyward.sqlite'), file);
const store = await openSqlStore(file, undefined, { mmapBytes: 0 });
const settledHeap = async () => {
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage().heapUsed;
};
try {
  const hashes = sampleIndexes(saved.stored, count, 7).map((i) => hashKey(bulkKey(i)));
  // The statements are prepared and the modules warm before anything is counted.
  await store.findKeyByHash(saved.workspaceId, hashes[0]!);
  let before = await settledHeap();
  const records = [];
  for (const hash of hashes) {
    const record = await store.findKeyByHash(saved.workspaceId, hash);
    if (!record) throw new Error('a sampled key was not found');
    records.push(record);
  }
  const recordBytes = ((await settledHeap()) - before) / count;
  before = await settledHeap();
  const prepared = new WeakMap<object, unknown>();
  for (const record of records) prepared.set(record, prepare(record));
  const preparedBytes = ((await settledHeap()) - before) / count;
  console.log(
    `${root ?? 'this tree'}: key record ${recordBytes.toFixed(0)} B, prepared form ${preparedBytes.toFixed(0)} B per key (${count} keys; ${records.length === count && prepared.has(records[0]!) ? 'all held' : '?'})`,
  );
} finally {
  await store.close();
  rmSync(work, { recursive: true, force: true });
}
