import { execFile } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { runCli } from '../src/cli/index.js';
import { startTestServer } from './harness.js';
import { KEYWARD_ENTRY } from './keyward-entry.js';

/**
 * `keyward cert --self-signed` (src/cli/cert.ts): first in a child process, as a user runs it (the files it writes,
 * their modes, and a server started with them that a client trusting the certificate reaches over TLS 1.3), then
 * in this process (runCli) for the refusals and the other forms, which a child would only make slower.
 */

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'keyward-cert-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function keyward(args: string[], vars: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!name.startsWith('KEYWARD_')) env[name] = value;
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [...KEYWARD_ENTRY, ...args],
      { cwd: ROOT, env: { ...env, KEYWARD_DATA_DIR: join(dir, 'data'), ...vars } },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code) : 0, stdout, stderr }),
    );
  });
}

/** runCli with a data directory of its own: the exit code and what it wrote. */
async function inProcess(...argv: string[]): Promise<{ code: number | undefined; stdout: string; stderr: string }> {
  const out: string[] = [];
  const err: string[] = [];
  vi.stubEnv('KEYWARD_DATA_DIR', join(dir, 'data'));
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => out.push(String(chunk)) > 0);
  vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => err.push(String(chunk)) > 0);
  try {
    const code = await runCli(argv);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  }
}

const mode = (file: string) => statSync(file).mode & 0o777;

describe('keyward cert --self-signed', () => {
  const out = join(dir, 'certs');
  const certFile = join(out, 'keyward.crt');
  const keyFile = join(out, 'keyward.key');

  it('writes a certificate, a key readable by its owner only, and says how to start with them', async () => {
    const run = await keyward(['cert', '--self-signed', out], { KEYWARD_HOST: 'api.internal.test' });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`KEYWARD_TLS_CERT=${certFile} KEYWARD_TLS_KEY=${keyFile} keyward start`);
    expect(mode(keyFile)).toBe(0o600);
    expect(mode(out)).toBe(0o700);
    const certificate = new X509Certificate(readFileSync(certFile));
    expect(certificate.subjectAltName).toBe('DNS:localhost, IP Address:127.0.0.1, IP Address:0:0:0:0:0:0:0:1, DNS:api.internal.test');
    expect(certificate.ca).toBe(false);
    expect(certificate.verify(certificate.publicKey)).toBe(true);
    expect(certificate.checkPrivateKey((await import('node:crypto')).createPrivateKey(readFileSync(keyFile)))).toBe(true);
    const days = (Date.parse(certificate.validTo) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(364);
    expect(days).toBeLessThan(366);
  });

  it('a server started with them speaks TLS 1.3, and a client that trusts the certificate is answered', async () => {
    const t = await startTestServer({ env: { KEYWARD_TLS_CERT: certFile, KEYWARD_TLS_KEY: keyFile } });
    try {
      const port = Number(new URL(await t.listen()).port);
      const ca = readFileSync(certFile);
      for (const servername of ['localhost', undefined]) {
        const protocol = await new Promise<string | null>((resolve, reject) => {
          const socket = tls.connect({ host: '127.0.0.1', port, ca, ...(servername ? { servername } : {}) }, () => {
            resolve(socket.getProtocol());
            socket.end();
          });
          socket.on('error', reject);
        });
        expect(protocol).toBe('TLSv1.3');
      }
      const body = await new Promise<string>((resolve, reject) => {
        https
          .get({ host: 'localhost', port, path: '/v2/liveness', ca }, (res) => {
            let text = '';
            res.on('data', (chunk) => (text += chunk));
            res.on('end', () => resolve(text));
          })
          .on('error', reject);
      });
      expect(JSON.parse(body).data).toEqual({ message: "we're cooking" });
      // Without the certificate, the client refuses the server: nothing but the file vouches for it.
      const refused = await new Promise<string>((resolve) => {
        const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost' }, () => resolve('connected'));
        socket.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      });
      expect(refused).toBe('DEPTH_ZERO_SELF_SIGNED_CERT');
    } finally {
      await t.close();
    }
  });

  it('never overwrites: a second run fails and leaves both files as they were', async () => {
    const before = [readFileSync(certFile, 'utf8'), readFileSync(keyFile, 'utf8')];
    const run = await inProcess('cert', '--self-signed', out);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('already exist');
    expect([readFileSync(certFile, 'utf8'), readFileSync(keyFile, 'utf8')]).toEqual(before);
  });

  it('writes into <data dir>/tls by default, and prints JSON with --json', async () => {
    const run = await inProcess('cert', '--self-signed', '--json');
    expect(run.code).toBe(0);
    const printed = JSON.parse(run.stdout);
    expect(printed).toMatchObject({ cert: join(dir, 'data', 'tls', 'keyward.crt'), key: join(dir, 'data', 'tls', 'keyward.key') });
    expect(printed.hosts).toEqual(['localhost', '127.0.0.1', '::1']);
    expect(mode(printed.key)).toBe(0o600);
  });

  it('without --self-signed it says what it needs (exit 2) and writes nothing', async () => {
    const run = await inProcess('cert', join(dir, 'none'));
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--self-signed');
    expect(() => statSync(join(dir, 'none'))).toThrow();
  });
});
