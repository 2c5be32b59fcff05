import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selfSignedCertificate } from '../src/tls/self-signed.js';
import { startTestServer, type TestServer } from './harness.js';
import { newApi, newKey } from './key-fixtures.js';
import { parseRawAnswer } from './raw-http.js';

/** docs/operations.md, "Running one node": with KEYWARD_TLS_CERT and KEYWARD_TLS_KEY the API is served over TLS 1.3 and nothing older. */
const dir = mkdtempSync(join(tmpdir(), 'keyward-tls-'));
const certificate = { cert: join(dir, 'keyward.crt'), key: join(dir, 'keyward.key') };
{
  const made = selfSignedCertificate(['localhost', '127.0.0.1'], 1);
  writeFileSync(certificate.cert, made.cert);
  writeFileSync(certificate.key, made.key, { mode: 0o600 });
}

const HSTS = 'max-age=31536000';

describe('HTTPS', () => {
  let t: TestServer;
  let port: number;
  const ca = readFileSync(certificate.cert);

  beforeAll(async () => {
    t = await startTestServer({ env: { KEYWARD_TLS_CERT: certificate.cert, KEYWARD_TLS_KEY: certificate.key } });
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

  /** One request over HTTPS: status, headers, body. */
  const request = (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
      const req = https.request({ host: '127.0.0.1', port, path, method, ca, servername: 'localhost', headers }, (res) => {
        let text = '';
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
      });
      req.on('error', reject);
      req.end(body);
    });

  it('sends Strict-Transport-Security with every answer: Fastify and the verify lane, successes and errors', async () => {
    const { key } = await newKey(t, { apiId: await newApi(t) });
    const json = { 'content-type': 'application/json' };
    const answers = {
      liveness: await request('GET', '/v2/liveness'),
      'lane, VALID': await request('POST', '/v2/keys.verifyKey', JSON.stringify({ key }), {
        ...json,
        authorization: `Bearer ${t.rootKey}`,
      }),
      'lane, unknown root key': await request('POST', '/v2/keys.verifyKey', JSON.stringify({ key }), {
        ...json,
        authorization: 'Bearer nope',
      }),
      'lane to Fastify, bad JSON': await request('POST', '/v2/keys.verifyKey', '{"key":', {
        ...json,
        authorization: `Bearer ${t.rootKey}`,
      }),
      'Fastify, an operation': await request('POST', '/v2/apis.listKeys', '{}', { ...json, authorization: `Bearer ${t.rootKey}` }),
      'unknown route': await request('GET', '/nowhere'),
    };
    expect(Object.fromEntries(Object.entries(answers).map(([name, a]) => [name, a.status]))).toEqual({
      liveness: 200,
      'lane, VALID': 200,
      'lane, unknown root key': 401,
      'lane to Fastify, bad JSON': 400,
      'Fastify, an operation': 400,
      'unknown route': 404,
    });
    expect(JSON.parse(answers['lane, VALID'].body).data.valid).toBe(true);
    for (const [name, answer] of Object.entries(answers)) expect(answer.headers['strict-transport-security'], name).toBe(HSTS);
  });

  it('sends it with the refusal of a malformed request too', async () => {
    const raw = await new Promise<string>((resolve, reject) => {
      const socket = tls.connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () =>
        socket.write('GET /v2/liveness HTTP/1.1\r\nHost: localhost\r\nBad Header: x\r\n\r\n'),
      );
      let text = '';
      socket.on('data', (chunk) => (text += chunk));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    const answer = parseRawAnswer(raw);
    expect(answer.status).toBe(400);
    expect(answer.headers['strict-transport-security']).toBe(HSTS);
  });
});

describe('plain HTTP', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
  });
  afterAll(() => t.close());

  it('never sends Strict-Transport-Security (it means nothing there)', async () => {
    const address = await t.listen();
    const { key } = await newKey(t, { apiId: await newApi(t) });
    const verified = await t.call('keys.verifyKey', { key });
    expect(verified.status).toBe(200);
    expect(verified.headers).not.toHaveProperty('strict-transport-security');
    const liveness = await fetch(`${address}/v2/liveness`);
    expect(liveness.headers.get('strict-transport-security')).toBeNull();
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
