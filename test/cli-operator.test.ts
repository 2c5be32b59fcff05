import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type KeywardNode, launch, startNode } from './faults/nodes.js';

/** The first-run setup link `keyward start` prints, and `keyward operator create|reset-mfa`, in child processes. */
const dir = mkdtempSync(join(tmpdir(), 'keyward-cli-operator-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SETUP_LINK = /(http:\/\/\S+)\/dashboard\/setup#token=([A-Za-z0-9_-]{43})/;
const PASSWORD = 'a passphrase for the cli';

async function stop(node: KeywardNode): Promise<void> {
  node.child.kill('SIGTERM');
  await node.exited;
}

async function operator(args: string[], stdin = '') {
  const launched = launch(['operator', ...args], { KEYWARD_DATA_DIR: dir });
  launched.child.stdin!.end(stdin);
  const code = await launched.exited;
  return { code, ...launched.output };
}

async function post(base: string, operation: string, body: unknown) {
  const response = await fetch(`${base}/v2/${operation}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: (await response.json()) as any };
}

describe('first run and keyward operator', () => {
  it('start prints a new setup link while no operator exists; operator create adds one (no more link); reset-mfa', async () => {
    const first = await startNode({ KEYWARD_DATA_DIR: dir });
    const firstLink = SETUP_LINK.exec(first.output.stdout);
    expect(firstLink, first.output.stdout).not.toBeNull();
    expect(firstLink![1]).toBe(first.address);
    // The token is on stdout only: the log line says a link was printed, never the token.
    expect(first.output.stdout.split(firstLink![2]!)).toHaveLength(2);
    const workspaceId = /created workspace (ws_\w+)/.exec(first.output.stdout)![1]!;
    await stop(first);

    // A restart replaces the unused link.
    const second = await startNode({ KEYWARD_DATA_DIR: dir });
    const secondLink = SETUP_LINK.exec(second.output.stdout)!;
    expect(secondLink[2]).not.toBe(firstLink![2]);
    const stale = await post(second.address, 'dashboard.completeSetup', {
      token: firstLink![2],
      email: 'a@example.com',
      password: PASSWORD,
    });
    expect(stale.status).toBe(401);
    await stop(second);

    expect((await operator(['create', '--email', 'cli@example.com', '--workspace', workspaceId, '--role', 'admin'], 'short\n')).code).toBe(
      1,
    );
    const created = await operator(
      ['create', '--email', 'CLI@example.com', '--workspace', workspaceId, '--role', 'admin'],
      `${PASSWORD}\n`,
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toMatch(/Created operator op_\w+ \(cli@example\.com\), admin of ws_\w+/);
    expect(created.stdout).not.toContain(PASSWORD);
    expect(
      (await operator(['create', '--email', 'x@example.com', '--workspace', workspaceId, '--role', 'owner'], `${PASSWORD}\n`)).code,
    ).toBe(2);

    const third = await startNode({ KEYWARD_DATA_DIR: dir });
    expect(third.output.stdout).not.toMatch(SETUP_LINK);
    const signedIn = await post(third.address, 'dashboard.signIn', { email: 'cli@example.com', password: PASSWORD });
    expect(signedIn.body.data).toEqual({ next: 'enrol_mfa' });
    await stop(third);

    const reset = await operator(['reset-mfa', '--email', 'cli@example.com']);
    expect(reset.code, reset.stderr).toBe(0);
    expect((await operator(['reset-mfa', '--email', 'nobody@example.com'])).code).toBe(1);
    // Eight processes one after another: minutes on a busy 2-core CI machine.
  }, 300_000);
});
