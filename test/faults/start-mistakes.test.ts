import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from './free-port.js';
import { launch, runToEnd, startNode, stopLaunched } from './nodes.js';
import { type OwnPostgres, startOwnPostgres } from './own-postgres.js';

/**
 * Issue 12, findings 7 and 8: a setting that is wrong at start, tried as an operator tries it (the real entry point,
 * `keyward start`). Each mistake ends the process at once with one line naming the setting, no stack and no password,
 * and leaves nothing behind: no directory made of a mangled URL, no tables in the `postgres` database, no workspace
 * whose one-time root key was printed by a start that then died.
 */

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const MASTER_KEYS = `1:${Buffer.alloc(32, 9).toString('base64')}`;
// Each case launches processes (about a second each on an idle machine); the deadline only ends a hung test.
const TIMEOUT = 240_000;
const dirs: string[] = [];
let postgres: OwnPostgres;

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-start-'));
  dirs.push(dir);
  return dir;
}

/** A command expected to stop by itself: its exit code, output, and how long it took. */
async function refusedRun(args: string[], vars: Record<string, string>) {
  const started = performance.now();
  const { output, exited } = launch(args, { KEYWARD_DATA_DIR: dataDir(), ...vars });
  const code = await exited;
  return { code, ...output, ms: Math.round(performance.now() - started) };
}

const refusedStart = (vars: Record<string, string>) => refusedRun(['start'], { KEYWARD_PORT: '0', ...vars });

/** One line, naming `setting`, without a stack trace or the password `hunter2`. */
function expectOneClearLine(stderr: string, setting: string): void {
  expect(stderr.trimEnd().split('\n'), stderr).toHaveLength(1);
  expect(stderr).toMatch(new RegExp(`^keyward: .*${setting}`));
  expect(stderr).not.toMatch(/^\s+at /m);
  expect(stderr).not.toContain('hunter2');
}

const workspacesOf = async (vars: Record<string, string>) => JSON.parse(await runToEnd(['workspaces', 'list', '--json'], vars));

beforeAll(async () => {
  postgres = await startOwnPostgres();
}, TIMEOUT);

afterAll(async () => {
  await stopLaunched();
  await postgres?.remove();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('a setting that is wrong at start (issue 12, finding 7)', { timeout: TIMEOUT }, () => {
  it('a mangled database or Redis URL is refused, and no file or directory is made of it', async () => {
    // Every problem of the configuration is reported at once, so one process shows all three.
    const result = await refusedStart({
      KEYWARD_DATABASE_URL: 'postgres:/broken',
      KEYWARD_MASTER_KEYS: MASTER_KEYS,
      KEYWARD_VAULT_DATABASE_URL: 'postgresql:/u:hunter2@vault',
      KEYWARD_REDIS_URL: 'redis:/hunter2@cache',
    });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('KEYWARD_DATABASE_URL looks like a mistyped "postgres://" URL');
    expect(result.stderr).toContain('KEYWARD_VAULT_DATABASE_URL looks like a mistyped "postgresql://" URL');
    expect(result.stderr).toContain('KEYWARD_REDIS_URL must be a redis:// or rediss:// URL');
    expect(result.stderr).not.toContain('hunter2');
    expect(result.stdout).toBe('');
    // The process ran in the repository's root: `postgres:/broken` used to become ./postgres:/broken.
    expect(existsSync(join(ROOT, 'postgres:'))).toBe(false);
    expect(existsSync(join(ROOT, 'postgresql:'))).toBe(false);
    console.log(`refusal of mangled URLs: ${result.ms} ms from launch to exit`);
  });

  it('a PostgreSQL URL without a database name is refused, and nothing is created in the "postgres" database', async () => {
    const withoutDatabase = postgres.url.replace(/\/keyward$/, '');
    const result = await refusedStart({ KEYWARD_DATABASE_URL: `${withoutDatabase}/` });
    expect(result.code, result.stderr).toBe(2);
    expect(result.stderr).toContain('KEYWARD_DATABASE_URL names no database');
    const admin = new pg.Client({ connectionString: `${withoutDatabase}/postgres` });
    await admin.connect();
    try {
      const { rows } = await admin.query("SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'");
      expect(rows[0].n).toBe(0);
    } finally {
      await admin.end();
    }
  });

  it('a database that cannot be opened is named, with its password masked, in one line, and the process exits 1', async () => {
    const closedPort = await freePort();
    const [unreachable, missing, vaultUnreachable] = await Promise.all([
      refusedStart({ KEYWARD_DATABASE_URL: `postgres://keyward:hunter2@127.0.0.1:${closedPort}/keyward` }),
      refusedStart({ KEYWARD_DATABASE_URL: postgres.url.replace(/\/keyward$/, '/nosuchdatabase') }),
      refusedStart({
        KEYWARD_MASTER_KEYS: MASTER_KEYS,
        KEYWARD_VAULT_DATABASE_URL: `postgres://vault:hunter2@127.0.0.1:${closedPort}/vault`,
      }),
    ]);
    for (const result of [unreachable, missing, vaultUnreachable]) expect(result.code, result.stderr).toBe(1);
    expectOneClearLine(unreachable.stderr, 'KEYWARD_DATABASE_URL');
    expect(unreachable.stderr).toContain(`postgres://keyward:***@127.0.0.1:${closedPort}/keyward`);
    expect(unreachable.stderr).toContain('ECONNREFUSED');
    expectOneClearLine(missing.stderr, 'KEYWARD_DATABASE_URL');
    expect(missing.stderr).toContain('database "nosuchdatabase" does not exist');
    expectOneClearLine(vaultUnreachable.stderr, 'KEYWARD_VAULT_DATABASE_URL');
    console.log(
      `refusal of a database that cannot be opened: unreachable ${unreachable.ms} ms, missing ${missing.ms} ms, ` +
        `vault store unreachable ${vaultUnreachable.ms} ms from launch to exit`,
    );
  });
});

describe('a first start that cannot listen (issue 12, finding 8)', { timeout: TIMEOUT }, () => {
  let occupied: Server;
  let port: number;
  beforeAll(async () => {
    occupied = createServer();
    port = await new Promise<number>((resolve) =>
      occupied.listen(0, '127.0.0.1', () => resolve((occupied.address() as { port: number }).port)),
    );
  });
  afterAll(() => new Promise<void>((resolve) => occupied.close(() => resolve())));

  it('exits non-zero naming the setting, creates no workspace, and the next good start prints the root key', async () => {
    const dir = dataDir();
    const [inUse, badHost] = await Promise.all([
      refusedStart({ KEYWARD_DATA_DIR: dir, KEYWARD_PORT: String(port) }),
      // TEST-NET-1 (RFC 5737): an address no interface of this machine has.
      refusedStart({ KEYWARD_DATA_DIR: dataDir(), KEYWARD_HOST: '192.0.2.1' }),
    ]);
    expect([inUse.code, badHost.code]).toEqual([1, 1]);
    expectOneClearLine(inUse.stderr, 'KEYWARD_PORT');
    expect(inUse.stderr).toContain(`127.0.0.1:${port}: the port is in use`);
    expectOneClearLine(badHost.stderr, 'KEYWARD_HOST');
    for (const result of [inUse, badHost]) expect(result.stdout).not.toContain('Root key');
    expect(await workspacesOf({ KEYWARD_DATA_DIR: dir })).toEqual([]);
    console.log(`refusal of a port in use: ${inUse.ms} ms, of a host not on this machine: ${badHost.ms} ms from launch to exit`);

    const good = await startNode({ KEYWARD_DATA_DIR: dir });
    const rootKey = /Root key \(shown once, store it now\): (\S+)/.exec(good.output.stdout)?.[1];
    expect(rootKey, good.output.stdout).toMatch(/^kw_root_/);
    const response = await fetch(`${good.address}/v2/apis.createApi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${rootKey}` },
      body: JSON.stringify({ name: 'after a failed first start' }),
    });
    expect(response.status).toBe(200);
    const [workspace] = await workspacesOf({ KEYWARD_DATA_DIR: dir });
    expect(workspace).toEqual({
      id: expect.stringMatching(/^ws_/),
      name: 'default',
      enabled: true,
      createdAt: expect.any(Number),
      apiRateLimit: null,
      rootKeys: 1,
    });
    expect(good.output.stdout).toContain(`created workspace ${workspace.id}`);
    expect(await runToEnd(['workspaces', 'list'], { KEYWARD_DATA_DIR: dir })).toMatch(
      new RegExp(`^${workspace.id}  "default"  .*  1 root key$`, 'm'),
    );
  });
});

describe('keyward workspaces list on PostgreSQL (issue 12, finding 8; SQLite above)', { timeout: TIMEOUT }, () => {
  it('lists every workspace, as JSON and as text, never a secret; an unknown subcommand is refused with its usage', async () => {
    const vars = { KEYWARD_DATABASE_URL: postgres.url };
    const [booted, unknown] = await Promise.all([runToEnd(['bootstrap', '--json'], vars), refusedRun(['workspaces', 'show'], vars)]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('usage: keyward workspaces list [--json]');
    const { workspaceId, rootKey } = JSON.parse(booted);
    const [listed, text] = await Promise.all([workspacesOf(vars), runToEnd(['workspaces', 'list'], vars)]);
    expect(listed).toContainEqual({
      id: workspaceId,
      name: 'default',
      enabled: true,
      createdAt: expect.any(Number),
      apiRateLimit: null,
      rootKeys: 1,
    });
    expect(text).toMatch(new RegExp(`^${workspaceId}  "default"  created \\d{4}-\\S+Z  enabled  rate limit default  1 root key$`, 'm'));
    expect(text + JSON.stringify(listed)).not.toContain(rootKey.slice(0, 12));
  });
});
