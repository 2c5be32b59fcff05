import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';
import { selfSignedCertificate } from './vault-fixtures.js';

/** docs/operations.md, "Running one node": with KEYWARD_TLS_CERT and KEYWARD_TLS_KEY the API is served over TLS 1.3 and nothing older. */
const dir = mkdtempSync(join(tmpdir(), 'keyward-tls-'));
const certificate = selfSignedCertificate(dir);

describe.skipIf(!certificate)('HTTPS', () => {
  let t: TestServer;
  let port: number;
  const ca = certificate ? readFileSync(certificate.cert) : Buffer.alloc(0);

  beforeAll(async () => {
    t = await startTestServer({ env: { KEYWARD_TLS_CERT: certificate!.cert, KEYWARD_TLS_KEY: certificate!.key } });
    const address = await t.listen();
    expect(address).toMatch(/^https:\/\//);
    port = Number(new URL(address).port);
  });
  afterAll(async () => {
    await t.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const handshake = (maxVersion: tls.SecureVersion) =>
    new Promise<string>((resolve) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ca, maxVersion, servername: 'localhost' }, () => {
        resolve(socket.getProtocol() ?? 'none');
        socket.end();
      });
      socket.on('error', () => resolve('refused'));
    });

  it('negotiates TLS 1.3 and refuses TLS 1.2', async () => {
    expect(await handshake('TLSv1.3')).toBe('TLSv1.3');
    expect(await handshake('TLSv1.2')).toBe('refused');
  });

  it('serves the API over it', async () => {
    const body = await new Promise<string>((resolve, reject) => {
      https
        .get({ host: '127.0.0.1', port, path: '/v2/liveness', ca, servername: 'localhost' }, (res) => {
          let text = '';
          res.on('data', (chunk) => (text += chunk));
          res.on('end', () => resolve(text));
        })
        .on('error', reject);
    });
    expect(JSON.parse(body).data).toEqual({ message: "we're cooking" });
  });
});

describe('TLS configuration', () => {
  it('needs both files, and files that exist', async () => {
    const { loadConfig, ConfigError } = await import('../src/config.js');
    expect(() => loadConfig({ KEYWARD_TLS_CERT: '/nonexistent.crt' })).toThrow(ConfigError);
    try {
      loadConfig({ KEYWARD_TLS_CERT: '/nonexistent.crt', KEYWARD_TLS_KEY: '/nonexistent.key' });
      expect.unreachable();
    } catch (error) {
      expect((error as InstanceType<typeof ConfigError>).problems.join('\n')).toMatch(
        /KEYWARD_TLS_CERT names a file that does not exist[\s\S]*KEYWARD_TLS_KEY/,
      );
    }
  });
});
