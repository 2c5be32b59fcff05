import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { KEYWARD_ENTRY } from './keyward-entry.js';

/**
 * The CLI imports a command's code only when that command runs (src/cli/commands.ts): `keyward --help` and
 * `--version` cost about a tenth of the CPU they did when every command, and with them the server, the storage
 * engines and ioredis, was loaded first. Checked here by the modules a child process actually loads, recorded by a
 * module-resolution hook, not by timing.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'keyward-cli-startup-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The packages and source folders only a running command needs (the storage engines are their packages). */
const HEAVY =
  /\/node_modules\/(fastify|ioredis|better-sqlite3|pg|kysely|pino|prom-client|@node-rs\/argon2)\/|\/(src|dist\/src)\/(server|services|http)\//;

/** Every module URL `keyward <args>` resolves, in order. */
async function modulesLoadedBy(args: string[], env: Record<string, string> = {}): Promise<string[]> {
  const log = join(dir, `${args.join('_').replace(/\W/g, '')}.log`);
  const hooks = `data:text/javascript,${encodeURIComponent(`
    import { appendFileSync } from 'node:fs';
    export async function resolve(specifier, context, next) {
      const resolved = await next(specifier, context);
      appendFileSync(${JSON.stringify(log)}, resolved.url + '\\n');
      return resolved;
    }`)}`;
  const register = `data:text/javascript,${encodeURIComponent(`import { register } from 'node:module'; register(${JSON.stringify(hooks)});`)}`;
  await new Promise<void>((resolve, reject) =>
    execFile(
      process.execPath,
      ['--import', register, ...KEYWARD_ENTRY, ...args],
      { cwd: ROOT, env: { ...process.env, ...env } },
      (error) => (error ? reject(error) : resolve()),
    ),
  );
  return readFileSync(log, 'utf8').trim().split('\n');
}

describe("the CLI's start-up", () => {
  it.each(['--help', '--version', 'root-key --help'])('keyward %s loads no server, storage engine or Redis client', async (command) => {
    const loaded = await modulesLoadedBy(command.split(' '));
    expect(loaded.some((url) => url.includes('/cli/index.'))).toBe(true);
    expect(loaded.filter((url) => HEAVY.test(url))).toEqual([]);
  });

  it('loads them for a command that runs', async () => {
    const loaded = await modulesLoadedBy(['migrate'], { KEYWARD_DATA_DIR: join(dir, 'data'), KEYWARD_DATABASE_URL: '' });
    expect(loaded.some((url) => url.includes('/node_modules/kysely/'))).toBe(true);
  }, 60_000);
});
