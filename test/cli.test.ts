import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashKey } from '../src/core/key-format.js';
import { openSqlStore } from '../src/storage/sql/sql-store.js';
import { launch as launchKeyward } from './faults/nodes.js';

/**
 * The real entry point in a child process (test/keyward-entry.ts: the build when it is fresh, else the source, so
 * the source under test is what runs, never a stale build), with a temporary data directory and no KEYWARD_* variables
 * inherited from whoever runs the tests.
 */

const started = new Set<ChildProcess>();
const dirs: string[] = [];

afterEach(() => {
  for (const child of started) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  started.clear();
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function dataDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'keyward-cli-'));
  dirs.push(dir);
  return dir;
}

/** The real entry point, tracked so afterEach can kill what a failed test left running. */
function launch(args: string[], vars: Record<string, string>) {
  const launched = launchKeyward(args, vars);
  started.add(launched.child);
  return launched;
}

async function run(args: string[], vars: Record<string, string> = {}) {
  const { output, exited } = launch(args, { KEYWARD_DATA_DIR: dataDir(), ...vars });
  const code = await exited;
  return { code, ...output };
}

/** Starts `keyward start` and resolves with its address once it says it is listening. */
async function start(dir: string) {
  const server = launch(['start'], { KEYWARD_DATA_DIR: dir, KEYWARD_PORT: '0' });
  const address = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no "listening" line within 30 s:\n${server.output.stdout}\n${server.output.stderr}`)),
      30_000,
    );
    const check = () => {
      const match = /Keyward listening on (\S+)/.exec(server.output.stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    server.child.stdout!.on('data', check);
    server.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`exited with ${code}:\n${server.output.stderr}`));
    });
  });
  const stop = async () => {
    server.child.kill('SIGTERM');
    return server.exited;
  };
  return { address, output: server.output, stop };
}

const ROOT_KEY_LINE = /Root key \(shown once, store it now\): (\S+)/;

describe('keyward CLI', { timeout: 120_000 }, () => {
  it('--help lists every command, as does `help`; an unknown command exits 2', async () => {
    const [help, helpCommand, unknown] = await Promise.all([run(['--help']), run(['help']), run(['frobnicate'])]);
    expect(help.code, help.stderr).toBe(0);
    const section = help.stdout.split('Commands:')[1]!.split('Options:')[0]!;
    const commands = [...section.matchAll(/^ {2}([a-z-]+)/gm)].map((m) => m[1]);
    expect(commands).toEqual([
      'start',
      'migrate',
      'bootstrap',
      'workspaces',
      'workspace-limit',
      'root-key',
      'root-key',
      'root-key',
      'root-key',
      'operator',
      'operator',
      'vault',
      'vault',
      'vault',
      'import',
      'cert',
      'audit',
      'usage',
      'backup',
      'restore',
      'help',
    ]);
    expect(helpCommand.stdout).toBe(help.stdout);

    expect(unknown.code, unknown.stderr).toBe(2);
    expect(unknown.stderr).toContain('unknown command "frobnicate"');
  });

  it("<command> --help prints that command's usage and options, without reading the configuration", async () => {
    // An invalid setting would stop any command that runs; help runs none.
    const [rootKey, vault, global] = await Promise.all([
      run(['root-key', '--help'], { KEYWARD_PORT: 'eighty' }),
      run(['help', 'vault'], { KEYWARD_PORT: 'eighty' }),
      run(['--help']),
    ]);
    expect([rootKey.code, vault.code]).toEqual([0, 0]);
    expect(rootKey.stdout).toMatch(/^Usage: keyward root-key create --workspace <id>/);
    expect(rootKey.stdout).toMatch(/^ {2}--permission <p> /m);
    expect(vault.stdout).toMatch(/^Usage: keyward vault <init\|rotate\|serve>/);
    expect(vault.stdout).toMatch(/^ {2}KEYWARD_MASTER_KEYS /m);
    for (const text of [rootKey.stdout, vault.stdout]) expect(text).not.toBe(global.stdout);
  });

  it('bootstrap --json prints exactly one JSON object {workspaceId, rootKey} on stdout', async () => {
    const res = await run(['bootstrap', '--json']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout.endsWith('\n')).toBe(true);
    expect(res.stdout.trimEnd().split('\n')).toHaveLength(1);
    const printed = JSON.parse(res.stdout);
    expect(Object.keys(printed).sort()).toEqual(['rootKey', 'workspaceId']);
    expect(printed.workspaceId).toMatch(/^ws_[0-9a-z]+$/);
    expect(printed.rootKey).toMatch(/^kw_root_[1-9A-HJ-NP-Za-km-z]+$/);
  });

  it('workspace-limit sets and removes a workspace API rate limit, audited as a system action; bad input exits non-zero', async () => {
    const dir = dataDir();
    const boot = await run(['bootstrap', '--json'], { KEYWARD_DATA_DIR: dir });
    const { workspaceId, rootKey } = JSON.parse(boot.stdout) as { workspaceId: string; rootKey: string };

    const set = await run(['workspace-limit', workspaceId, '120'], { KEYWARD_DATA_DIR: dir });
    expect(set.code, set.stderr).toBe(0);
    expect(set.stdout).toContain(`Workspace ${workspaceId}: API rate limit set to 120 requests per minute.`);
    // Without Redis, running servers cannot be told at once; the command says how long they take to notice.
    expect(set.stdout).toContain('KEYWARD_INVALIDATION_POLL_MS');
    const zero = await run(['workspace-limit', workspaceId, '0', '--json'], { KEYWARD_DATA_DIR: dir });
    expect(JSON.parse(zero.stdout)).toEqual({ workspaceId, apiRateLimit: 0, announced: false });

    const store = await openSqlStore(join(dir, 'keyward.sqlite'));
    try {
      expect((await store.findRootKeyByHash(hashKey(rootKey)))?.workspaceApiRateLimit).toBe(0);
      const off = await run(['workspace-limit', workspaceId, 'off'], { KEYWARD_DATA_DIR: dir });
      expect(off.code, off.stderr).toBe(0);
      expect((await store.findRootKeyByHash(hashKey(rootKey)))?.workspaceApiRateLimit).toBeNull();
      const audit = await store.listAudit({ workspaceId, events: ['workspace.update'], limit: 10 });
      expect(audit.map((a) => [a.actor, a.resources, a.description])).toEqual([
        [
          { type: 'system', id: 'cli', name: null },
          [{ type: 'workspace', id: workspaceId }],
          `Set the API rate limit of workspace ${workspaceId} to 120 requests per minute`,
        ],
        [
          { type: 'system', id: 'cli', name: null },
          [{ type: 'workspace', id: workspaceId }],
          `Set the API rate limit of workspace ${workspaceId} to 0 requests per minute`,
        ],
        [
          { type: 'system', id: 'cli', name: null },
          [{ type: 'workspace', id: workspaceId }],
          `Removed the API rate limit of workspace ${workspaceId}; the server default applies`,
        ],
      ]);
    } finally {
      await store.close();
    }

    const [unknown, bad, missing] = await Promise.all([
      run(['workspace-limit', 'ws_nosuchworkspace', '10'], { KEYWARD_DATA_DIR: dir }),
      run(['workspace-limit', workspaceId, '1.5'], { KEYWARD_DATA_DIR: dir }),
      run(['workspace-limit', workspaceId], { KEYWARD_DATA_DIR: dir }),
    ]);
    expect([unknown.code, bad.code, missing.code]).toEqual([1, 2, 2]);
    expect(unknown.stderr).toContain('no workspace "ws_nosuchworkspace"');
    expect(bad.stderr).toContain('requests per minute');
    expect(missing.stderr).toContain('usage: keyward workspace-limit <workspaceId> <requestsPerMinute|off>');
  });

  it('migrate applies the migrations, and a second run says the database is up to date', async () => {
    const dir = dataDir();
    const first = await run(['migrate'], { KEYWARD_DATA_DIR: dir });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Applied: 0001_initial/);
    const second = await run(['migrate'], { KEYWARD_DATA_DIR: dir });
    expect(second.code, second.stderr).toBe(0);
    expect(second.stdout).toBe('Database is up to date.\n');
  });

  it('an invalid port and an invalid log level exit non-zero naming both problems', async () => {
    const res = await run(['start'], { KEYWARD_PORT: 'eighty', KEYWARD_LOG_LEVEL: 'chatty' });
    expect(res.code).not.toBe(0);
    expect(res.code).not.toBeNull();
    expect(res.stderr).toContain('KEYWARD_PORT');
    expect(res.stderr).toContain('KEYWARD_LOG_LEVEL');
    expect(res.stdout).toBe('');
  });

  it('start prints the root key on the first start only, and that key works against the server', async () => {
    const dir = dataDir();
    const first = await start(dir);
    const printed = [...first.output.stdout.matchAll(new RegExp(ROOT_KEY_LINE, 'g'))].map((m) => m[1]!);
    expect(printed).toHaveLength(1);
    const rootKey = printed[0]!;

    const response = await fetch(`${first.address}/v2/apis.createApi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${rootKey}` },
      body: JSON.stringify({ name: 'from the cli test' }),
    });
    expect(response.status).toBe(200);
    expect((await response.json()).data.apiId).toMatch(/^api_/);
    expect(await first.stop()).toBe(0);
    // Shown once means once: not repeated in a log line.
    expect((first.output.stdout + first.output.stderr).split(rootKey)).toHaveLength(2);

    const second = await start(dir);
    expect(second.output.stdout).not.toMatch(ROOT_KEY_LINE);
    expect(second.output.stdout).not.toContain('First start');
    // Same store: the first key still works.
    const again = await fetch(`${second.address}/v2/apis.getApi`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${rootKey}` },
      body: JSON.stringify({ apiId: 'api_doesnotexist' }),
    });
    expect(again.status).toBe(404);
    expect(await second.stop()).toBe(0);
  });
});
