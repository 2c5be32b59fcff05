/**
 * Ctrl-Z (SIGTSTP) for a command that writes to a SQLite file servers write to as well. Stopped by the kernel
 * wherever it happens to be, the command could be frozen inside a statement holding the file's write lock, and every
 * server's write would wait out its busy timeout and fail. With this the signal only asks for a pause, taken at the
 * next `pausePoint()`, a place where the command holds no lock; `fg` (SIGCONT) resumes it.
 */
export interface PausePoints {
  pausePoint(): Promise<void>;
  dispose(): void;
}

export function pauseOnlyAtPausePoints(): PausePoints {
  let requested = false;
  const request = () => {
    requested = true;
  };
  process.on('SIGTSTP', request);
  return {
    pausePoint: async () => {
      // One turn of the event loop: SQLite calls are synchronous, so a signal that came during them is handled here.
      await new Promise((resolve) => setImmediate(resolve));
      if (!requested) return;
      requested = false;
      process.kill(process.pid, 'SIGSTOP');
    },
    dispose: () => {
      process.off('SIGTSTP', request);
    },
  };
}
