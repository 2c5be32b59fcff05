import { statSync } from 'node:fs';
import type { Worker } from 'node:worker_threads';
import { startWorkerBeside } from '../../analytics/module-runner.js';

/** How often the checkpointer's thread copies the WAL back (checkpoint-worker.ts). */
export const CHECKPOINT_INTERVAL_MS = 100;

/** WAL frames (pages) past which the thread's pass restarts the WAL (checkpoint-worker.ts): about 8 MB. */
export const CHECKPOINT_RESTART_FRAMES = 2000;

/** The WAL size at which the thread is started: where SQLite's default autocheckpoint (1,000 pages) would first run. */
export const CHECKPOINTER_START_BYTES = 1000 * 4096;

/**
 * Checkpoints of a SQLite store, off the event loop (bench/RESULTS.md, "Session 12"). SQLite's automatic checkpoint
 * runs inside the COMMIT that takes the WAL past 1,000 pages, on the connection that commits: the server's, so the
 * event loop stood still for it (9-80 ms measured under key creations, more on a slow disk). The server's connection
 * now checkpoints only as a backstop, past SQLITE_AUTOCHECKPOINT_PAGES (open.ts), and a worker thread with a
 * connection of its own runs PASSIVE checkpoints, which do not block the server's writes.
 *
 * The thread is started only once the WAL has grown to CHECKPOINTER_START_BYTES (`afterCommit`, after each group's
 * commit: one stat of the `-wal` file until then), so a store that writes little, as most tests' and the command
 * line's, never starts one; SQLite checkpoints the WAL when the last connection closes anyway.
 */
export class SqliteCheckpointer {
  private worker: Worker | undefined;
  private exited: Promise<void> | undefined;
  private firstPass: Promise<void> | undefined;
  private closed = false;

  constructor(private readonly file: string) {}

  afterCommit(): void {
    if (this.worker || this.closed) return;
    let size = 0;
    try {
      size = statSync(`${this.file}-wal`).size;
    } catch {
      return;
    }
    if (size < CHECKPOINTER_START_BYTES) return;
    let worker: Worker;
    try {
      worker = startWorkerBeside(import.meta.url, 'checkpoint-worker', {
        file: this.file,
        intervalMs: CHECKPOINT_INTERVAL_MS,
        restartFrames: CHECKPOINT_RESTART_FRAMES,
      });
    } catch {
      // No thread (none can be started): the backstop checkpoints (SQLITE_AUTOCHECKPOINT_PAGES). Not tried again.
      this.closed = true;
      return;
    }
    this.worker = worker;
    this.exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    this.firstPass = new Promise<void>((resolve) => {
      worker.once('message', () => resolve());
      worker.once('exit', () => resolve());
    });
    // A thread that fails leaves the backstop (SQLITE_AUTOCHECKPOINT_PAGES); it is not started again.
    this.worker.on('error', () => undefined);
    // It never keeps the process alive.
    this.worker.unref();
  }

  /** Whether the thread has been started (the tests). */
  get started(): boolean {
    return this.worker !== undefined;
  }

  /** Resolves once the thread has made its first pass (or ended); at once when it was not started (the tests). */
  async ready(): Promise<void> {
    await this.firstPass;
  }

  /** Stops the thread, its connection closed first. */
  async close(): Promise<void> {
    this.closed = true;
    const worker = this.worker;
    if (!worker) return;
    worker.postMessage({ close: true });
    await this.exited;
  }
}
