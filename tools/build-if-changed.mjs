#!/usr/bin/env node
// `npm start`'s build (package.json "prestart"): each step of `npm run build` runs only when the content of its inputs
// changed since its last successful run, or its output is missing. A start on an unchanged tree then costs hashing the
// sources (tens of milliseconds) instead of the whole TypeScript and Vite build (about 20 s). Content, not mtimes: a
// checkout or `touch` that changes nothing rebuilds nothing, and any edit to an input rebuilds its step.
// `--always` runs every step and records the stamps (`npm run build`).
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * @typedef {object} Step
 * @property {string} name
 * @property {string[]} inputs files or directories, relative to the root; directories are walked whole
 * @property {(path: string) => boolean} [include] which files of the walked directories count (default: all)
 * @property {string[]} outputs what the step writes; one missing means the step runs
 * @property {string[]} command the program and its arguments, run in the root
 */

/** The steps of `npm run build`, in its order. */
export const BUILD_STEPS = [
  {
    name: 'server',
    inputs: ['src', 'tsconfig.json', 'package.json', 'package-lock.json'],
    // What tsconfig.json compiles: tests and conformance suites are not part of the build.
    include: (path) => !path.endsWith('.ts') || !(path.endsWith('.test.ts') || path.endsWith('.suite.ts')),
    outputs: ['dist/src/main.js'],
    command: ['npx', 'tsc', '-p', 'tsconfig.json'],
  },
  {
    name: 'web',
    inputs: ['web', 'package.json', 'package-lock.json'],
    outputs: ['dist/web/index.html'],
    command: ['npm', 'run', 'build:web'],
  },
];

/** Directories never part of any input. */
const SKIPPED = new Set(['node_modules', 'dist', '.git']);

function* files(root, path) {
  const full = join(root, path);
  if (!existsSync(full)) return;
  const entries = readdirSync(full, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const entry of entries) {
    if (SKIPPED.has(entry.name)) continue;
    const child = join(path, entry.name);
    if (entry.isDirectory()) yield* files(root, child);
    else if (entry.isFile()) yield child;
  }
}

/** One hash of every input file's path and content. */
export function inputsHash(root, step) {
  const hash = createHash('sha256');
  for (const input of step.inputs) {
    const full = join(root, input);
    if (!existsSync(full)) {
      hash.update(`missing:${input}\0`);
      continue;
    }
    const paths = statSync(full).isDirectory() ? [...files(root, input)].filter((p) => (step.include ?? (() => true))(p)) : [input];
    for (const path of paths) {
      hash.update(`${path.split(sep).join('/')}\0`);
      hash.update(readFileSync(join(root, path)));
      hash.update('\0');
    }
  }
  return hash.digest('hex');
}

/**
 * Runs the steps whose inputs changed (or every step with `always`) and records each success's hash in `stampFile`.
 * Returns the names of the steps run; throws when one fails (its stamp is left as it was, so the next start retries).
 */
export function buildIfChanged(root, steps, { stampFile = join(root, 'dist', '.build-stamps.json'), always = false, log = () => {} } = {}) {
  let stamps = {};
  try {
    stamps = JSON.parse(readFileSync(stampFile, 'utf8'));
  } catch {
    // No stamps yet: every step runs.
  }
  const ran = [];
  for (const step of steps) {
    const hash = inputsHash(root, step);
    const built = step.outputs.every((output) => existsSync(join(root, output)));
    if (!always && built && stamps[step.name] === hash) {
      log(`build: ${step.name} unchanged, skipped`);
      continue;
    }
    log(`build: ${step.name}: ${step.command.join(' ')}`);
    const result = spawnSync(step.command[0], step.command.slice(1), { cwd: root, stdio: 'inherit' });
    if (result.status !== 0) throw new Error(`build step ${step.name} failed (${result.error?.message ?? `exit ${result.status}`})`);
    stamps[step.name] = hash;
    mkdirSync(dirname(stampFile), { recursive: true });
    writeFileSync(stampFile, `${JSON.stringify(stamps, null, 2)}\n`);
    ran.push(step.name);
  }
  return ran;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const root = join(dirname(fileURLToPath(import.meta.url)), '..');
  try {
    buildIfChanged(root, BUILD_STEPS, { always: process.argv.includes('--always'), log: (line) => process.stderr.write(`${line}\n`) });
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}
