/**
 * A progress bar on a stream (stderr, so stdout stays for results): redrawn in place on a terminal, one line
 * per tenth otherwise (logs, CI).
 *
 * Kept rather than cli-progress (3.12.0, with five packages under it), which would save about fifteen lines here
 * but redraws from a timer that keeps the process alive until the bar is stopped: a command failing mid-run (main.ts
 * sets the exit code and lets the event loop drain) would hang, printing a line every two seconds, unless every
 * caller stopped the bar in a finally. It also prints off a terminal by time rather than by progress.
 */
export interface ProgressBar {
  update(done: number, total: number): void;
  done(): void;
}

export function progressBar(stream: NodeJS.WritableStream & { isTTY?: boolean }, label: string): ProgressBar {
  const width = 30;
  let lastDraw = 0;
  let lastTenth = -1;
  let last = '';
  const render = (done: number, total: number) => {
    const fraction = total === 0 ? 1 : Math.min(1, done / total);
    const filled = Math.round(fraction * width);
    return `${label} [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${done}/${total}`;
  };
  return {
    update: (done, total) => {
      last = render(done, total);
      if (stream.isTTY) {
        const now = Date.now();
        if (now - lastDraw >= 50 || done >= total) {
          lastDraw = now;
          stream.write(`\r${last}`);
        }
        return;
      }
      const tenth = total === 0 ? 10 : Math.floor((done / total) * 10);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        stream.write(`${last}\n`);
      }
    },
    done: () => {
      if (stream.isTTY && last !== '') stream.write(`\r${last}\n`);
    },
  };
}
