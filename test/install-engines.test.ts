import { execFile } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';

/**
 * Issue 12, finding 9: `npm ci` warned EBADENGINE for dependencies that declared a newer Node than Keyward's
 * (content-disposition 3 under @fastify/static, cookie 2 under light-my-request; package.json's `overrides` pin
 * versions that support Node 20). The lockfile is installed in a dry run, in a directory of its own so this
 * checkout's node_modules is untouched; .ci/run fails on the same warning from its real install.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'keyward-install-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('npm ci of the lockfile installs every package without an EBADENGINE warning on this Node', { timeout: 120_000 }, async () => {
  for (const file of ['package.json', 'package-lock.json']) copyFileSync(join(ROOT, file), join(dir, file));
  const { stdout, stderr } = await promisify(execFile)('npm', ['ci', '--dry-run', '--ignore-scripts', '--no-audit', '--no-fund'], {
    cwd: dir,
    env: { ...process.env, npm_config_loglevel: 'warn' },
  });
  expect(stdout + stderr).not.toContain('EBADENGINE');
  expect(stdout).toMatch(/added \d+ packages/);
});
