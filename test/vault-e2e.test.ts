import { afterAll, describe, expect, it } from 'vitest';
import { startTestServer } from './harness.js';
import { recoverableKeySuite } from './recoverable-suite.js';
import { masterKey, runKeyward, selfSignedCertificate, startVaultProcess, tempDir, VAULT_TOKEN } from './vault-fixtures.js';

/**
 * The recoverable-key end-to-end suite with the vault in a separate `keyward vault serve` process: the API
 * server holds no master key and no vault store, only KEYWARD_VAULT_URL and KEYWARD_VAULT_TOKEN. Once over
 * plain HTTP on loopback, once over HTTPS (TLS 1.3) with a private CA.
 */

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

recoverableKeySuite('vault in a separate `keyward vault serve` process, HTTP on loopback', async () => {
  const { dir, remove } = tempDir();
  const vault = await startVaultProcess({ KEYWARD_DATA_DIR: dir, KEYWARD_MASTER_KEYS: masterKey(1) });
  const t = await startTestServer({ env: { KEYWARD_VAULT_URL: vault.url, KEYWARD_VAULT_TOKEN: VAULT_TOKEN } });
  expect(t.server.vault?.kind).toBe('remote');
  return {
    t,
    close: async () => {
      await t.close();
      await vault.stop();
      remove();
    },
  };
});

recoverableKeySuite('vault in a separate `keyward vault serve` process, HTTPS', async () => {
  const { dir, remove } = tempDir();
  const certificate = selfSignedCertificate(dir);
  if (!certificate) throw new Error('openssl is needed for the HTTPS vault test');
  const vault = await startVaultProcess({
    KEYWARD_DATA_DIR: dir,
    KEYWARD_MASTER_KEYS: masterKey(1),
    KEYWARD_VAULT_TLS_CERT: certificate.cert,
    KEYWARD_VAULT_TLS_KEY: certificate.key,
  });
  expect(vault.url).toMatch(/^https:/);
  const t = await startTestServer({
    env: { KEYWARD_VAULT_URL: vault.url, KEYWARD_VAULT_TOKEN: VAULT_TOKEN, KEYWARD_VAULT_CA: certificate.cert },
  });
  return {
    t,
    close: async () => {
      await t.close();
      await vault.stop();
      remove();
    },
  };
});

describe('keyward vault serve', { timeout: 120_000 }, () => {
  it('refuses to start without a token, without master keys, or with plain HTTP off loopback', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const base = { KEYWARD_DATA_DIR: dir, KEYWARD_VAULT_PORT: '0' };
    const noToken = await runKeyward(['vault', 'serve'], { ...base, KEYWARD_MASTER_KEYS: masterKey(1) });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toContain('set KEYWARD_VAULT_TOKEN');
    const noKeys = await runKeyward(['vault', 'serve'], { ...base, KEYWARD_VAULT_TOKEN: VAULT_TOKEN });
    expect(noKeys.code).toBe(1);
    expect(noKeys.stderr).toContain('set KEYWARD_MASTER_KEYS');
    const open = await runKeyward(['vault', 'serve'], {
      ...base,
      KEYWARD_VAULT_TOKEN: VAULT_TOKEN,
      KEYWARD_MASTER_KEYS: masterKey(1),
      KEYWARD_VAULT_HOST: '0.0.0.0',
    });
    expect(open.code).toBe(1);
    expect(open.stderr).toContain('plain HTTP only on a loopback address');
  });

  it('an API node with KEYWARD_VAULT_URL may not also hold master keys or a vault store', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const res = await runKeyward(['migrate'], {
      KEYWARD_DATA_DIR: dir,
      KEYWARD_VAULT_URL: 'https://vault.internal:7071',
      KEYWARD_VAULT_TOKEN: VAULT_TOKEN,
      KEYWARD_MASTER_KEYS: masterKey(1),
      KEYWARD_VAULT_DATABASE_URL: '/tmp/elsewhere/vault.sqlite',
    });
    expect(res.code).toBe(2);
    expect(res.stderr).toContain('Set KEYWARD_MASTER_KEYS (a vault in this process) or KEYWARD_VAULT_URL (a remote vault), not both');
    expect(res.stderr).toContain('KEYWARD_VAULT_DATABASE_URL belongs to the vault process');
  });
});
