import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browse, newBrowser, signedInOperator } from '../../../../test/dashboard-fixtures.js';
import { useTestServer } from '../../../../test/per-file-server.js';
import { masterKey, recoverableApi, tempDir, VAULT_TOKEN } from '../../../../test/vault-fixtures.js';
import { LocalVault } from '../../../vault/local.js';
import { MasterKeyring, parseMasterKeys } from '../../../vault/master-keys.js';
import { createVaultServer, type VaultServer } from '../../../vault/server.js';
import { openSqlVaultStore } from '../../../vault/sql-store.js';

/**
 * dashboard.getWorkspaceSettings, getVaultStatus and listNodes: what the Settings page shows. Servers of their own for
 * the configurations that change the answers (a server-wide rate limit and no vault; a remote vault, then away).
 */
const MASTER_KEYS = [masterKey(1), masterKey(2)];
const t = useTestServer({ env: { KEYWARD_MASTER_KEYS: MASTER_KEYS.join(',') } });
const withDefaults = useTestServer({ env: { KEYWARD_WORKSPACE_RATE_LIMIT: '600' } });
// A `vault serve` in this process, for a server using it as a remote vault; filled in before that server starts.
const remoteEnv: Record<string, string> = {};
let vaultServer: VaultServer;
let vaultDir: { dir: string; remove: () => void };
beforeAll(async () => {
  vaultDir = tempDir();
  const local = await LocalVault.open({
    store: await openSqlVaultStore(join(vaultDir.dir, 'vault', 'vault.sqlite')),
    keyring: new MasterKeyring(parseMasterKeys(MASTER_KEYS[0]!).keys),
  });
  vaultServer = await createVaultServer({ vault: local, token: VAULT_TOKEN, host: '127.0.0.1', port: 0, logLevel: 'silent' });
  Object.assign(remoteEnv, { KEYWARD_VAULT_URL: await vaultServer.listen(), KEYWARD_VAULT_TOKEN: VAULT_TOKEN });
  closeVault = async () => {
    await vaultServer.close();
    await local.close();
  };
});
let closeVault: (() => Promise<void>) | undefined;
afterAll(async () => {
  await closeVault?.();
  vaultDir.remove();
});
const remote = useTestServer({ env: remoteEnv });

/** Nothing of the master keys (their base64 after `<version>:`) or the vault token in an answer. */
function expectNoSecret(body: unknown): void {
  const text = JSON.stringify(body);
  for (const key of MASTER_KEYS) expect(text).not.toContain(key.slice(key.indexOf(':') + 1));
  expect(text).not.toContain(VAULT_TOKEN);
}

describe('dashboard.getWorkspaceSettings', () => {
  it("200 for every role: the workspace's name and id, the operator's role, its own API rate limit or none", async () => {
    for (const role of ['admin', 'member', 'read_only'] as const) {
      const { browser } = await signedInOperator(t, role);
      const res = await browse(t, browser, 'dashboard.getWorkspaceSettings');
      expect(res.status, role).toBe(200);
      expect(res.body.data).toEqual({
        workspace: { id: t.workspaceId, name: 'default', createdAt: expect.any(Number) },
        role,
        apiRateLimit: { source: 'none' },
      });
    }
    await t.server.services.workspaces.setApiRateLimit(t.workspaceId, 120);
    const { browser } = await signedInOperator(t, 'read_only');
    const res = await browse(t, browser, 'dashboard.getWorkspaceSettings');
    expect(res.body.data.apiRateLimit).toEqual({ perMinute: 120, source: 'workspace' });
  });

  it('200: the server-wide default applies to a workspace without its own value', async () => {
    const { browser } = await signedInOperator(withDefaults, 'member');
    const res = await browse(withDefaults, browser, 'dashboard.getWorkspaceSettings');
    expect(res.body.data.apiRateLimit).toEqual({ perMinute: 600, source: 'server_default' });
  });

  it('403 for a workspace the operator is no member of, existing or not; 401 without a session; 403 without CSRF', async () => {
    const other = await t.newWorkspace();
    const { browser } = await signedInOperator(t, 'admin');
    for (const workspaceId of [other.workspaceId, 'ws_doesnotexist', null]) {
      const res = await browse(t, browser, 'dashboard.getWorkspaceSettings', {}, { workspaceId });
      expect(res.status, String(workspaceId)).toBe(403);
      expect(JSON.stringify(res.body)).not.toContain('other');
    }
    expect((await browse(t, newBrowser(), 'dashboard.getWorkspaceSettings', {}, { workspaceId: t.workspaceId })).status).toBe(401);
    expect((await browse(t, browser, 'dashboard.getWorkspaceSettings', {}, { csrf: null })).status).toBe(403);
    expect((await browse(t, browser, 'dashboard.getWorkspaceSettings', { extra: 1 })).status).toBe(400);
  });
});

describe('dashboard.getVaultStatus', () => {
  it('200 with a local vault: it answers, both configured versions, the newest wrapping data keys; no key material', async () => {
    const { browser } = await signedInOperator(t, 'admin');
    const apiId = await recoverableApi(t);
    expect((await t.call('keys.createKey', { apiId, recoverable: true })).status).toBe(200);
    const res = await browse(t, browser, 'dashboard.getVaultStatus');
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      mode: 'local',
      recoverableKeys: true,
      answers: true,
      masterKeyVersions: { configured: [1, 2], inUse: [2] },
    });
    expectNoSecret(res.body);
  });

  it('200 without a vault: recoverable keys unavailable', async () => {
    const { browser } = await signedInOperator(withDefaults, 'admin');
    const res = await browse(withDefaults, browser, 'dashboard.getVaultStatus');
    expect(res.body.data).toEqual({ mode: 'none', recoverableKeys: false });
  });

  it('200 with a remote vault: its versions while it answers; once it is away, says so, with no token in the answer', async () => {
    const { browser } = await signedInOperator(remote, 'admin');
    const up = await browse(remote, browser, 'dashboard.getVaultStatus');
    expect(up.body.data).toEqual({
      mode: 'remote',
      recoverableKeys: true,
      answers: true,
      masterKeyVersions: { configured: [1], inUse: [1] },
    });
    await closeVault!();
    closeVault = undefined;
    const away = await browse(remote, browser, 'dashboard.getVaultStatus');
    expect(away.status).toBe(200);
    expect(away.body.data).toEqual({ mode: 'remote', recoverableKeys: false, answers: false, problem: expect.stringMatching(/vault/) });
    expectNoSecret(away.body);
  });

  it('403 for members and read_only operators', async () => {
    for (const role of ['member', 'read_only'] as const) {
      const { browser } = await signedInOperator(t, role);
      expect((await browse(t, browser, 'dashboard.getVaultStatus')).status, role).toBe(403);
    }
  });
});

describe('dashboard.listNodes', () => {
  it("200 for an admin of the installation's first workspace: this node, marked, with what it sees; a silent one is gone", async () => {
    const { browser } = await signedInOperator(t, 'admin');
    const silent = 'node_settingstestsilent';
    await t.server.store.upsertNode({
      id: silent,
      name: 'old',
      hostname: 'elsewhere',
      version: '0.0.1',
      engine: t.server.store.engine,
      database: 'ok',
      redis: 'unused',
      startedAt: t.clock.now() - 60_000,
      lastSeenAt: t.clock.now() - 31_000,
      capabilities: [],
    });
    const res = await browse(t, browser, 'dashboard.listNodes');
    expect(res.status).toBe(200);
    expect(res.body.data.heartbeatSeconds).toBe(10);
    const current = res.body.data.nodes.filter((n: { current: boolean }) => n.current);
    expect(current).toEqual([
      expect.objectContaining({
        engine: t.server.store.engine,
        database: 'ok',
        redis: 'unused',
        status: 'up',
        lastSeenAt: expect.any(Number),
      }),
    ]);
    expect(current[0].id).toMatch(/^node_[0-9a-z]+$/);
    expect(res.body.data.nodes).toContainEqual(expect.objectContaining({ id: silent, current: false, status: 'gone' }));
    expectNoSecret(res.body);
  });

  it('403 for members, and for admins of any other workspace: nodes are installation-wide', async () => {
    const { browser } = await signedInOperator(t, 'member');
    expect((await browse(t, browser, 'dashboard.listNodes')).status).toBe(403);
    const other = await t.newWorkspace();
    const tenantAdmin = await signedInOperator(t, 'admin', other.workspaceId);
    const res = await browse(t, tenantAdmin.browser, 'dashboard.listNodes');
    expect(res.status).toBe(403);
    expect(res.body.error.detail).toMatch(/installation-wide/);
    expect(JSON.stringify(res.body)).not.toMatch(/node_/);
  });
});
