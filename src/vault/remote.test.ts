import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, describe, expect, it } from 'vitest';
import { masterKey, selfSignedCertificate, tempDir, VAULT_TOKEN } from '../../test/vault-fixtures.js';
import { newId } from '../core/ids.js';
import { VaultConfigError, VaultDecryptError, VaultUnavailableError } from './errors.js';
import { LocalVault } from './local.js';
import { MasterKeyring, parseMasterKeys } from './master-keys.js';
import { RemoteVault } from './remote.js';
import { createVaultServer, type VaultServer } from './server.js';
import { openSqlVaultStore } from './sql-store.js';
import { SUITE_DEK_MAX, vaultConformance } from './vault.suite.js';

const cleanups: (() => unknown)[] = [];
afterAll(async () => {
  for (const cleanup of cleanups.reverse()) await cleanup();
});

/** A vault server in this process over a fresh SQLite store, and a RemoteVault client for it. */
async function served(
  options: { tls?: boolean; logs?: string[] } = {},
): Promise<{ server: VaultServer; url: string; client: RemoteVault; ca?: Buffer; close(): Promise<void> }> {
  const { dir, remove } = tempDir();
  const store = await openSqlVaultStore(join(dir, 'vault', 'vault.sqlite'));
  const local = await LocalVault.open({
    store,
    keyring: new MasterKeyring(parseMasterKeys(masterKey(1)).keys),
    maxEncryptionsPerDek: SUITE_DEK_MAX,
  });
  const certificate = options.tls ? selfSignedCertificate(dir) : undefined;
  if (options.tls && !certificate) throw new Error('openssl is needed for the HTTPS vault tests');
  const server = await createVaultServer({
    vault: local,
    token: VAULT_TOKEN,
    host: '127.0.0.1',
    port: 0,
    logLevel: options.logs ? 'trace' : 'silent',
    ...(options.logs ? { logStream: { write: (line: string) => void options.logs!.push(line) } } : {}),
    ...(certificate ? { tls: { cert: readFileSync(certificate.cert), key: readFileSync(certificate.key) } } : {}),
  });
  const url = await server.listen();
  const ca = certificate ? readFileSync(certificate.cert) : undefined;
  const client = new RemoteVault({ url, token: VAULT_TOKEN, ...(ca ? { ca } : {}) });
  const close = async () => {
    await client.close();
    await server.close();
    await local.close();
    remove();
  };
  return { server, url, client, ...(ca ? { ca } : {}), close };
}

vaultConformance('remote over HTTP on loopback', async () => {
  const s = await served();
  return { vault: s.client, close: s.close };
});

vaultConformance('remote over HTTPS (TLS 1.3)', async () => {
  const s = await served({ tls: true });
  return { vault: s.client, close: s.close };
});

async function post(url: string, path: string, body: unknown, token: string | null = VAULT_TOKEN) {
  const res = await fetch(new URL(path, url), {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token === null ? {} : { authorization: `Bearer ${token}` }) },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as any };
}

describe('vault server', () => {
  it('needs the bearer token on every call but liveness; a wrong token is refused as such', async () => {
    const s = await served();
    cleanups.push(s.close);
    const request = { workspaceId: 'ws_1', keyId: 'key_1', plaintext: 'sk_token' };
    for (const token of [null, '', 'wrong', VAULT_TOKEN.slice(0, -1), `${VAULT_TOKEN}x`]) {
      const res = await post(s.url, '/v1/encrypt', request, token);
      expect(res).toEqual({ status: 401, body: { error: { code: 'unauthorized', message: 'a valid bearer token is required' } } });
    }
    expect((await fetch(new URL('/v1/liveness', s.url))).status).toBe(200);
    // The check also names the master key versions (dashboard.getVaultStatus), numbers only.
    expect((await post(s.url, '/v1/check', {})).body).toEqual({ ok: true, masterKeyVersions: { configured: [1], inUse: [] } });
    const wrong = new RemoteVault({ url: s.url, token: 'x'.repeat(40) });
    const error = await wrong.encrypt(request).catch((e: unknown) => e);
    await wrong.close();
    expect(error).toBeInstanceOf(VaultUnavailableError);
    expect((error as Error).message).toBe('the vault refused KEYWARD_VAULT_TOKEN');
  });

  it('answers every decryption failure with the same body, and bad input with a generic 400', async () => {
    const s = await served();
    cleanups.push(s.close);
    const { ciphertext } = await s.client.encrypt({ workspaceId: 'ws_a', keyId: 'key_a', plaintext: 'sk_generic' });
    const failures = [
      { workspaceId: 'ws_b', keyId: 'key_a', ciphertext },
      { workspaceId: 'ws_a', keyId: 'key_b', ciphertext },
      { workspaceId: 'ws_a', keyId: 'key_a', ciphertext: `${ciphertext.slice(0, -2)}AA` },
      { workspaceId: 'ws_a', keyId: 'key_a', ciphertext: 'garbage' },
    ];
    for (const body of failures) {
      expect(await post(s.url, '/v1/decrypt', body)).toEqual({
        status: 422,
        body: { error: { code: 'decryption_failed', message: 'decryption failed' } },
      });
      const error = await s.client.decrypt(body).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VaultDecryptError);
    }
    for (const body of [
      {},
      { workspaceId: 'ws_a', keyId: 'key_a', ciphertext, extra: 1 },
      { workspaceId: 'ws a', keyId: 'key_a', ciphertext },
      'not json',
    ]) {
      const res = await post(s.url, '/v1/decrypt', body);
      expect(res.status).toBe(400);
      expect(JSON.stringify(res.body)).not.toContain(ciphertext);
    }
    expect((await post(s.url, '/v1/encrypt', { workspaceId: 'ws_a', keyId: 'key_a', plaintext: 'x'.repeat(4097) })).status).toBe(400);
  });

  it('logs no plaintext, token or ciphertext, even at trace level', async () => {
    const logs: string[] = [];
    const s = await served({ logs });
    cleanups.push(s.close);
    const plaintext = `sk_logged_${newId('key')}`;
    const { ciphertext } = await s.client.encrypt({ workspaceId: 'ws_l', keyId: 'key_l', plaintext });
    await s.client.decrypt({ workspaceId: 'ws_l', keyId: 'key_l', ciphertext });
    await s.client.decrypt({ workspaceId: 'ws_x', keyId: 'key_l', ciphertext }).catch(() => undefined);
    await post(s.url, '/v1/decrypt', { workspaceId: 'ws_l', keyId: 'key_l', ciphertext, plaintext });
    const text = logs.join('');
    // Lines were captured, among them the refused decryption's: the absence below is not that of an empty capture.
    expect(text).toContain('"msg":"vault: decryption failed"');
    for (const secret of [plaintext, VAULT_TOKEN, ciphertext]) expect(text).not.toContain(secret);
  });

  it('serves TLS 1.3 only when it has a certificate', async () => {
    const s = await served({ tls: true });
    cleanups.push(s.close);
    expect(s.url).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    const { port } = new URL(s.url);
    const handshake = (maxVersion: tls.SecureVersion) =>
      new Promise<string>((resolve) => {
        const socket = tls.connect({ host: '127.0.0.1', port: Number(port), ca: s.ca, maxVersion, servername: 'localhost' }, () => {
          resolve(socket.getProtocol() ?? 'none');
          socket.end();
        });
        socket.on('error', () => resolve('refused'));
      });
    expect(await handshake('TLSv1.3')).toBe('TLSv1.3');
    expect(await handshake('TLSv1.2')).toBe('refused');
    // Without the CA the client refuses the self-signed certificate.
    const untrusting = new RemoteVault({ url: s.url, token: VAULT_TOKEN });
    const error = await untrusting.encrypt({ workspaceId: 'ws_t', keyId: 'key_t', plaintext: 'x' }).catch((e: unknown) => e);
    await untrusting.close();
    expect(error).toBeInstanceOf(VaultUnavailableError);
  });

  it('refuses plain HTTP anywhere but loopback, and short tokens', async () => {
    const { dir, remove } = tempDir();
    cleanups.push(remove);
    const store = await openSqlVaultStore(join(dir, 'vault.sqlite'));
    const local = await LocalVault.open({ store, keyring: new MasterKeyring(parseMasterKeys(masterKey(1)).keys) });
    cleanups.push(() => local.close());
    for (const host of ['0.0.0.0', '10.1.2.3', 'vault.internal', '::']) {
      await expect(createVaultServer({ vault: local, token: VAULT_TOKEN, host, port: 0 })).rejects.toThrow(VaultConfigError);
    }
    await expect(createVaultServer({ vault: local, token: 'short', host: '127.0.0.1', port: 0 })).rejects.toThrow(/at least 32 characters/);
  });

  it('an unreachable vault is a VaultUnavailableError naming no secret', async () => {
    const client = new RemoteVault({ url: 'http://127.0.0.1:9', token: VAULT_TOKEN, timeoutMs: 2000 });
    const error = await client.decrypt({ workspaceId: 'ws', keyId: 'key', ciphertext: 'kw1.x.y' }).catch((e: unknown) => e);
    await client.close();
    expect(error).toBeInstanceOf(VaultUnavailableError);
    expect((error as Error).message).toMatch(/^the vault could not be reached \(ECONNREFUSED\)$/);
  });

  it("status: an older vault serve's check without versions still answered; malformed versions are unreadable", async () => {
    const answers = [{ ok: true }, { ok: true, masterKeyVersions: { configured: ['1'], inUse: [] } }];
    const fake = http.createServer((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(answers.shift()));
    });
    await new Promise<void>((resolve) => fake.listen(0, '127.0.0.1', resolve));
    const client = new RemoteVault({ url: `http://127.0.0.1:${(fake.address() as AddressInfo).port}`, token: VAULT_TOKEN });
    try {
      expect(await client.status()).toEqual({});
      const error = await client.status().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(VaultUnavailableError);
      expect((error as Error).message).toBe('the vault sent an unreadable answer');
    } finally {
      await client.close();
      await new Promise((resolve) => fake.close(resolve));
    }
  });
});
