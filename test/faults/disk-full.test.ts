import { execFile } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { until } from '../poll.js';
import { call, type KeywardNode, startNode, stopLaunched } from './nodes.js';

/**
 * Issue 12, finding 5 for the disk: a full disk gave clients a generic 500 and logged "cannot rollback - no
 * transaction is active" instead of the real error. The node's data directory sits on a small tmpfs of the test's own
 * (root may mount one; CI runs as root), filled with a file until the kernel refuses a byte more.
 */

const run = promisify(execFile);
const root = mkdtempSync(join(tmpdir(), 'keyward-disk-'));
const mountPoint = join(root, 'disk');
const filler = join(mountPoint, 'filler');
let mounted = false;
let node: KeywardNode;
let rootKey: string;

beforeAll(async () => {
  await run('mkdir', ['-p', mountPoint]);
  try {
    await run('mount', ['-t', 'tmpfs', '-o', 'size=24m,mode=0700', 'tmpfs', mountPoint]);
    mounted = true;
  } catch (error) {
    throw new Error(
      `this test mounts a small tmpfs to fill it, which needs root (CI runs as root): mount refused: ${(error as Error).message}`,
    );
  }
  node = await startNode({ KEYWARD_DATA_DIR: join(mountPoint, 'data'), KEYWARD_LOG_LEVEL: 'info' });
  rootKey = /Root key \(shown once, store it now\): (\S+)/.exec(node.output.stdout)![1]!;
}, 120_000);

afterAll(async () => {
  await stopLaunched();
  if (mounted) await run('umount', [mountPoint]);
  rmSync(root, { recursive: true, force: true });
});

/** Writes `filler` until the file system refuses with ENOSPC; returns the bytes written. */
function fillDisk(): number {
  const fd = openSync(filler, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  let written = 0;
  try {
    for (;;) written += writeSync(fd, chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    closeSync(fd);
  }
  return written;
}

it('a full disk answers writes 503 storage_full, logs SQLITE_FULL, writes nothing, keeps verifying, and recovers once space is freed', {
  timeout: 240_000,
}, async () => {
  const api = await call(node.address, rootKey, 'apis.createApi', { name: 'disk' });
  expect(api.status).toBe(200);
  const apiId: string = api.body.data.apiId;
  const cached = await call(node.address, rootKey, 'keys.createKey', { apiId });
  expect(cached.status).toBe(200);
  expect((await call(node.address, rootKey, 'keys.verifyKey', { key: cached.body.data.key })).body.data.valid).toBe(true);

  const filled = fillDisk();
  // Each key carries 256 KiB of meta: the write-ahead log must grow, and cannot.
  const meta = { blob: 'x'.repeat(256 * 1024) };
  const created: string[] = [cached.body.data.keyId];
  let refused: Awaited<ReturnType<typeof call>> | undefined;
  for (let i = 0; i < 100 && !refused; i++) {
    const attempt = await call(node.address, rootKey, 'keys.createKey', { apiId, meta });
    if (attempt.status === 200) created.push(attempt.body.data.keyId);
    else refused = attempt;
  }
  expect(refused?.status, JSON.stringify(refused?.body)).toBe(503);
  expect(refused!.body.error.type).toBe('https://unkey.com/docs/errors/keyward/storage/storage_full');
  console.log(
    `disk full: ${Math.round(filled / 1024)} KiB of filler, ${created.length - 1} keys stored after it, refusal in ${Math.round(refused!.ms)} ms`,
  );

  // The real cause is in the log under the request id, and the rollback no longer hides it.
  const log = node.output.stdout + node.output.stderr;
  await until(() => (node.output.stdout + node.output.stderr).includes(refused!.body.meta.requestId), 'the refusal logged');
  expect(node.output.stdout + node.output.stderr).toContain('SQLITE_FULL');
  expect(log).not.toContain('cannot rollback');

  // A cached key keeps answering while nothing can be written.
  const verifiedWhileFull = await call(node.address, rootKey, 'keys.verifyKey', { key: cached.body.data.key });
  expect(verifiedWhileFull.status).toBe(200);
  expect(verifiedWhileFull.body.data.valid).toBe(true);

  // Space comes back: the same process stores again, without a restart.
  rmSync(filler);
  const freed = performance.now();
  let stored: Awaited<ReturnType<typeof call>> | undefined;
  await until(
    async () => {
      stored = await call(node.address, rootKey, 'keys.createKey', { apiId, meta });
      return stored.status === 200;
    },
    'a write succeeding once space is freed',
    { deadlineMs: 30_000, everyMs: 100 },
  );
  created.push(stored!.body.data.keyId);
  console.log(`disk freed: writes succeed again after ${Math.round(performance.now() - freed)} ms`);

  // Nothing half written: exactly the acknowledged keys exist, each with its audit record, and the file is sound.
  const listed = await call(node.address, rootKey, 'apis.listKeys', { apiId, limit: 100 });
  expect(listed.body.data.map((k: { keyId: string }) => k.keyId).sort()).toEqual([...created].sort());
  await stopLaunched();
  const database = new Database(join(mountPoint, 'data', 'keyward.sqlite'), { readonly: true });
  try {
    expect(database.pragma('integrity_check', { simple: true })).toBe('ok');
    const audited = database.prepare("SELECT count(*) AS n FROM audit_logs WHERE event = 'key.create'").get() as { n: number };
    expect(audited.n).toBe(created.length);
  } finally {
    database.close();
  }
});
