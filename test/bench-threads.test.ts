import { Worker } from 'node:worker_threads';
import { expect, it } from 'vitest';
import { PLATFORM_THREADS, threadCpuBetween, threadCpuSeconds, threadLabels } from '../bench/lib/threads.js';

it('labels the main thread, then the platform threads, then the rest by start order', () => {
  const tids = [107, 100, 101, 102, 103, 104, 105, 106];
  const labels = threadLabels(100, tids);
  expect(labels.get(100)).toBe('main');
  for (let tid = 101; tid <= 100 + PLATFORM_THREADS; tid++) expect(labels.get(tid)).toBe('platform');
  expect(labels.get(106)).toBe('thread 1');
  expect(labels.get(107)).toBe('thread 2');
});

it('keeps start order when thread ids have started again from the bottom (ids past pid_max wrap around)', () => {
  // A process started at id 32,762 of 32,768: its platform threads took 32,763-32,767, its later threads 300 and 301.
  const labels = threadLabels(32_762, [301, 300, 32_762, 32_763, 32_764, 32_765, 32_766, 32_767], 32_768);
  expect(labels.get(32_762)).toBe('main');
  for (let tid = 32_763; tid <= 32_762 + PLATFORM_THREADS; tid++) expect(labels.get(tid)).toBe('platform');
  expect(labels.get(300)).toBe('thread 1');
  expect(labels.get(301)).toBe('thread 2');
});

it.skipIf(process.platform !== 'linux')('counts a busy worker thread under its own label', async () => {
  const first = threadCpuSeconds(process.pid);
  // Spins until its own thread has used 300 ms of CPU (by its /proc/thread-self/stat), however loaded the machine.
  const busy = new Worker(
    `const { readFileSync } = require('node:fs');
     const { parentPort } = require('node:worker_threads');
     const used = () => { const s = readFileSync('/proc/thread-self/stat', 'utf8'); const f = s.slice(s.lastIndexOf(')') + 2).split(' '); return (Number(f[11]) + Number(f[12])) / 100; };
     while (used() < 0.3);
     parentPort.postMessage('done');
     setInterval(() => {}, 1000);`,
    { eval: true },
  );
  await new Promise((resolve) => busy.once('message', resolve));
  const last = threadCpuSeconds(process.pid);
  await busy.terminate();
  const used = threadCpuBetween(process.pid, first, last);
  const started = Object.entries(used).filter(([label]) => label.startsWith('thread '));
  expect(Math.max(0, ...started.map(([, seconds]) => seconds))).toBeGreaterThanOrEqual(0.3);
});
