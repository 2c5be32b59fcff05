import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

/**
 * The checkpointer's thread (checkpointer.ts): a connection of its own to the store's file that copies the WAL back
 * into the database every `intervalMs` with a PASSIVE checkpoint, which neither waits for the server's writes nor
 * blocks them. A pass that ends between two commits leaves nothing to copy, and the next commit starts the WAL from
 * its beginning again, so the `-wal` file stays about as large as what is written between two passes.
 *
 * Under writes that never leave such a gap the WAL would only grow; once it holds `restartFrames`, the pass adds a
 * RESTART checkpoint: it takes the write lock, copies what the PASSIVE one just left (little), syncs the file and
 * then needs every reader to be past the WAL, so that the next commit starts the WAL again. Without a busy timeout
 * on this connection it waits for nothing: a write in progress or a reader still on an older snapshot (a
 * `keyward backup`) makes it give up at once, and the next pass tries again. A commit of the server that comes while
 * it holds the write lock waits (its busy_timeout) for about one sync of the database file. Waiting instead would
 * hold back the server's writes for as long as the reader reads.
 */
const { file, intervalMs, restartFrames } = workerData as { file: string; intervalMs: number; restartFrames: number };
const db = new Database(file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const passive = db.prepare('PRAGMA wal_checkpoint(PASSIVE)');
const restart = db.prepare('PRAGMA wal_checkpoint(RESTART)');
let timer: NodeJS.Timeout | undefined;

function pass(): void {
  try {
    // Busy when another connection (another process's checkpointer) is checkpointing: that one does the work.
    const { log } = passive.get() as { log: number };
    if (log >= restartFrames) restart.get();
  } catch {
    // A failed pass (an I/O error) is tried again at the next; the server's own autocheckpoint is the backstop
    // (open.ts, SQLITE_AUTOCHECKPOINT_PAGES).
  }
  timer = setTimeout(pass, intervalMs);
}

function firstPass(): void {
  pass();
  // The tests wait for it: a thread started from the sources (through tsx) takes a while to get here.
  parentPort!.postMessage({ ready: true });
}

parentPort!.on('message', (message: { close?: boolean }) => {
  if (!message.close) return;
  clearTimeout(timer);
  db.close();
  parentPort!.close();
});

firstPass();
