import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * How tests start Keyward's real entry point in a child process (cwd: the repository): the build, `dist/src/main.js`,
 * when every source file has an output at least as new as itself, else the source through tsx, so a test never runs
 * stale code. CI builds before it tests (.ci/run), and the build starts in under half the CPU time of tsx, which
 * compiles every source file at each start; the CLI and multi-process tests start hundreds of processes.
 * KEYWARD_TEST_FROM_SOURCE=1 always takes the source.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Every file tsconfig.json builds: src/**\/*.ts but tests and suites. */
function* builtSources(dir: string): Generator<string> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) yield* builtSources(path);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts') && !entry.name.endsWith('.suite.ts')) yield path;
  }
}

function buildIsFresh(): boolean {
  for (const source of builtSources(join(ROOT, 'src'))) {
    const output = join(ROOT, 'dist', relative(ROOT, source)).replace(/\.ts$/, '.js');
    if (!existsSync(output) || statSync(output).mtimeMs < statSync(source).mtimeMs) return false;
  }
  return true;
}

export const KEYWARD_ENTRY: readonly string[] =
  process.env.KEYWARD_TEST_FROM_SOURCE !== '1' && buildIsFresh() ? ['dist/src/main.js'] : ['--import', 'tsx', 'src/main.ts'];
