import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import type { Config } from '../config.js';
import { selfSignedCertificate } from '../tls/self-signed.js';
import { usageOf } from './help.js';
import { certCli } from './commands.js';

/** A development certificate's life: long enough not to be in the way, short enough not to become production's. */
const DAYS = 365;

/** The names the certificate is valid for: the loopback ones, and KEYWARD_HOST when it names one address or host. */
export function certificateHosts(configuredHost: string): string[] {
  const hosts = ['localhost', '127.0.0.1', '::1'];
  const host = configuredHost.replace(/^\[(.*)\]$/, '$1');
  if (!hosts.includes(host) && host !== '0.0.0.0' && host !== '::') hosts.push(host);
  return hosts;
}

export async function certCommand(
  config: Readonly<Config>,
  args: { json: boolean; positionals: string[]; selfSigned?: boolean },
): Promise<number> {
  if (!args.selfSigned) {
    process.stderr.write(`keyward: cert makes self-signed certificates only; say so with --self-signed\nusage: ${usageOf(certCli)}\n`);
    return 2;
  }
  const [given] = args.positionals;
  const dir = given === undefined ? join(config.dataDir, 'tls') : isAbsolute(given) ? given : resolve(given);
  const certFile = join(dir, 'keyward.crt');
  const keyFile = join(dir, 'keyward.key');
  const existing = [certFile, keyFile].filter((file) => existsSync(file));
  if (existing.length > 0) {
    process.stderr.write(
      `keyward: ${existing.join(' and ')} already exist${existing.length === 1 ? 's' : ''}; remove them first or name another directory\n`,
    );
    return 1;
  }
  const hosts = certificateHosts(config.host);
  const { cert, key, notAfter } = selfSignedCertificate(hosts, DAYS);
  // A directory made here is the service user's alone, as the data and vault directories are.
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // 'wx': never replace a file that appeared meanwhile. The key is readable by its owner only.
  writeFileSync(keyFile, key, { flag: 'wx', mode: 0o600 });
  writeFileSync(certFile, cert, { flag: 'wx', mode: 0o644 });

  if (args.json) {
    process.stdout.write(`${JSON.stringify({ cert: certFile, key: keyFile, hosts, notAfter: notAfter.toISOString() })}\n`);
    return 0;
  }
  process.stdout.write(
    `Wrote a self-signed development certificate for ${hosts.join(', ')}, valid until ${notAfter.toISOString().slice(0, 10)}:\n` +
      `  certificate  ${certFile}\n` +
      `  key          ${keyFile} (readable by you only)\n\n` +
      'Start Keyward over HTTPS (TLS 1.3) with it:\n' +
      `  KEYWARD_TLS_CERT=${certFile} KEYWARD_TLS_KEY=${keyFile} keyward start\n\n` +
      'Clients trust it only when given the certificate, for example:\n' +
      `  curl --cacert ${certFile} https://localhost:${config.port}/v2/liveness\n` +
      `  NODE_EXTRA_CA_CERTS=${certFile} node your-app.js\n` +
      'For development only: in production use a certificate from a CA your clients already trust.\n',
  );
  return 0;
}
