import { type ChildProcess, fork } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts a module of this folder in a worker thread or a child process, from the built package (`npm start` runs
 * dist/, where the module is `.js`) and from the sources (tests run them through tsx, where it is `.ts` and needs
 * tsx's loader: a worker thread registers it before importing, as Node 20 does not apply `--import` hooks to a
 * worker's entry module; a child process takes `--import`).
 */

const fromSources = import.meta.url.endsWith('.ts');
const extension = fromSources ? '.ts' : '.js';

function tsxFile(path: string): string {
  return join(dirname(createRequire(import.meta.url).resolve('tsx/package.json')), path);
}

const moduleUrl = (name: string, folder: string = import.meta.url): URL => new URL(`./${name}${extension}`, folder);

export function startWorker(name: string, workerData: unknown): Worker {
  return startWorkerBeside(import.meta.url, name, workerData);
}

/** As startWorker, for a module of another folder: the one of `importMetaUrl` (storage/sqlite/checkpointer.ts). */
export function startWorkerBeside(importMetaUrl: string, name: string, workerData: unknown): Worker {
  const url = moduleUrl(name, importMetaUrl);
  if (!fromSources) return new Worker(url, { workerData });
  const api = pathToFileURL(tsxFile('dist/esm/api/index.mjs')).href;
  const code = `import(${JSON.stringify(api)}).then(({ register }) => { register(); return import(${JSON.stringify(url.href)}); });`;
  return new Worker(code, { eval: true, workerData });
}

export function startProcess(name: string, args: string[]): ChildProcess {
  return fork(fileURLToPath(moduleUrl(name)), args, {
    execArgv: fromSources ? ['--import', pathToFileURL(tsxFile('dist/loader.mjs')).href] : [],
    serialization: 'advanced',
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
}
