import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, describeConfig, loadConfig } from './config.js';
import { formatMasterKey } from './vault/master-keys.js';

/** KEYWARD_MASTER_KEYS and KEYWARD_VAULT_*: the vault's configuration (src/vault). */

const key = (version: number) => formatMasterKey(version, randomBytes(32));
const TOKEN = 't'.repeat(40);

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('vault configuration', () => {
  it('defaults: no master key (no vault), the vault store in its own directory under the data dir', () => {
    expect(loadConfig({ KEYWARD_DATA_DIR: 'var/kw' })).toMatchObject({
      masterKeys: [],
      vaultDir: resolve('var/kw/vault'),
      vaultDatabaseUrl: resolve('var/kw/vault/vault.sqlite'),
      vaultUrl: null,
      vaultToken: null,
      vaultCaFile: null,
      vaultHost: '127.0.0.1',
      vaultPort: 7071,
      vaultTlsCertFile: null,
      vaultTlsKeyFile: null,
      vaultDekMaxEncryptions: 2 ** 24,
    });
  });

  it('parses master keys, a vault directory or database, and the serve settings', () => {
    const one = key(1);
    const two = key(2);
    const config = loadConfig({
      KEYWARD_MASTER_KEYS: `${two},${one}`,
      KEYWARD_VAULT_DIR: '/secure/vault',
      KEYWARD_VAULT_HOST: '10.0.0.5',
      KEYWARD_VAULT_PORT: '8443',
      KEYWARD_VAULT_TLS_CERT: 'tls/vault.crt',
      KEYWARD_VAULT_TLS_KEY: 'tls/vault.key',
      KEYWARD_VAULT_TOKEN: TOKEN,
      KEYWARD_VAULT_DEK_MAX_ENCRYPTIONS: '1000',
    });
    expect(config.masterKeys).toEqual([
      { version: 1, key: one.slice(2) },
      { version: 2, key: two.slice(2) },
    ]);
    expect(config).toMatchObject({
      vaultDatabaseUrl: '/secure/vault/vault.sqlite',
      vaultHost: '10.0.0.5',
      vaultPort: 8443,
      vaultTlsCertFile: resolve('tls/vault.crt'),
      vaultTlsKeyFile: resolve('tls/vault.key'),
      vaultDekMaxEncryptions: 1000,
    });
    expect(
      loadConfig({ KEYWARD_MASTER_KEYS: one, KEYWARD_VAULT_DATABASE_URL: 'postgres://vault:pw@vault-db:5432/vault' }).vaultDatabaseUrl,
    ).toBe('postgres://vault:pw@vault-db:5432/vault');
    expect(
      loadConfig({ KEYWARD_VAULT_URL: 'https://vault.internal:7071', KEYWARD_VAULT_TOKEN: TOKEN, KEYWARD_VAULT_CA: 'ca.pem' }),
    ).toMatchObject({ vaultUrl: 'https://vault.internal:7071', vaultCaFile: resolve('ca.pem'), masterKeys: [] });
    expect(loadConfig({ KEYWARD_VAULT_URL: 'http://127.0.0.1:7071', KEYWARD_VAULT_TOKEN: TOKEN }).vaultUrl).toBe('http://127.0.0.1:7071');
  });

  it('keeps the three places apart: the vault store is never the main database nor beside its file', () => {
    const one = key(1);
    expect(problems({ KEYWARD_MASTER_KEYS: one, KEYWARD_DATABASE_URL: '/d/k.sqlite', KEYWARD_VAULT_DATABASE_URL: '/d/k.sqlite' })).toEqual([
      'KEYWARD_VAULT_DATABASE_URL must name a database apart from KEYWARD_DATABASE_URL',
    ]);
    expect(problems({ KEYWARD_MASTER_KEYS: one, KEYWARD_DATABASE_URL: '/d/k.sqlite', KEYWARD_VAULT_DATABASE_URL: '/d/v.sqlite' })).toEqual([
      'The vault store must be in a directory of its own, not beside the main SQLite database (see KEYWARD_VAULT_DIR)',
    ]);
    const pg = 'postgres://u:p@db/keyward';
    expect(problems({ KEYWARD_MASTER_KEYS: one, KEYWARD_DATABASE_URL: pg, KEYWARD_VAULT_DATABASE_URL: pg })).toEqual([
      'KEYWARD_VAULT_DATABASE_URL must name a database apart from KEYWARD_DATABASE_URL',
    ]);
    expect(
      problems({
        KEYWARD_VAULT_URL: 'https://v',
        KEYWARD_VAULT_TOKEN: TOKEN,
        KEYWARD_MASTER_KEYS: one,
        KEYWARD_VAULT_DATABASE_URL: '/x/v.sqlite',
      }),
    ).toEqual([
      'Set KEYWARD_MASTER_KEYS (a vault in this process) or KEYWARD_VAULT_URL (a remote vault), not both',
      'KEYWARD_VAULT_DATABASE_URL belongs to the vault process, not to a node using KEYWARD_VAULT_URL',
    ]);
  });

  it('refuses insecure or incomplete remote settings, never echoing a secret', () => {
    const secretKey = key(1);
    const all = problems({
      KEYWARD_MASTER_KEYS: `${secretKey},1:${randomBytes(32).toString('base64')}`,
      KEYWARD_VAULT_URL: 'http://vault.internal:7071',
      KEYWARD_VAULT_TLS_CERT: 'only-cert.pem',
      KEYWARD_VAULT_DEK_MAX_ENCRYPTIONS: '0',
    });
    expect(all).toEqual(
      expect.arrayContaining([
        'KEYWARD_MASTER_KEYS entry 2: version 1 is listed twice',
        'KEYWARD_VAULT_URL may use plain http:// only for a loopback address; use https://',
        'KEYWARD_VAULT_URL needs KEYWARD_VAULT_TOKEN',
        'Set both KEYWARD_VAULT_TLS_CERT and KEYWARD_VAULT_TLS_KEY, or neither',
        'KEYWARD_VAULT_DEK_MAX_ENCRYPTIONS must be an integer from 1 to 1073741824, got "0"',
      ]),
    );
    expect(all.join('\n')).not.toContain(secretKey.slice(2));
    expect(problems({ KEYWARD_VAULT_URL: 'https://user:pw@vault', KEYWARD_VAULT_TOKEN: TOKEN })).toEqual([
      'KEYWARD_VAULT_URL must not carry credentials; the token goes in KEYWARD_VAULT_TOKEN',
    ]);
    expect(problems({ KEYWARD_VAULT_URL: 'ftp://vault', KEYWARD_VAULT_TOKEN: TOKEN })).toHaveLength(1);
    const short = problems({ KEYWARD_VAULT_TOKEN: 'short-secret' });
    expect(short).toEqual(['KEYWARD_VAULT_TOKEN must be at least 32 printable characters without spaces']);
  });

  it('describeConfig shows master key versions and hides the keys, the token and the vault database password', () => {
    const one = key(1);
    const printed = describeConfig(
      loadConfig({ KEYWARD_MASTER_KEYS: one, KEYWARD_VAULT_TOKEN: TOKEN, KEYWARD_VAULT_DATABASE_URL: 'postgres://v:hunter2@db/vault' }),
    );
    expect(printed).toMatchObject({ masterKeys: ['1:***'], vaultToken: '***', vaultDatabaseUrl: 'postgres://v:***@db/vault' });
    const text = JSON.stringify(printed);
    for (const secret of [one.slice(2), TOKEN, 'hunter2']) expect(text).not.toContain(secret);
  });
});
