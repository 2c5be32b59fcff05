import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { formatMasterKey } from '../src/vault/master-keys.js';
import { type Launched, launch } from './faults/nodes.js';
import type { TestServer } from './harness.js';

export { launch };

/** Shared pieces for the vault tests: master keys, vault processes, recoverable APIs. */

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** A fresh master key entry, `<version>:<base64>`. */
export const masterKey = (version: number): string => formatMasterKey(version, randomBytes(32));

export const VAULT_TOKEN = `test-vault-token-${randomBytes(16).toString('hex')}`;

export function tempDir(prefix = 'keyward-vault-'): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function runKeyward(
  args: string[],
  vars: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const { output, exited } = launch(args, vars);
  const code = await exited;
  return { code, ...output };
}

/** Starts `keyward vault serve` and resolves once it says where it listens. */
export async function startVaultProcess(
  vars: Record<string, string>,
): Promise<{ url: string; launched: Launched; stop: () => Promise<number | null> }> {
  const launched = launch(['vault', 'serve'], {
    KEYWARD_VAULT_PORT: '0',
    KEYWARD_VAULT_TOKEN: VAULT_TOKEN,
    KEYWARD_LOG_LEVEL: 'warn',
    ...vars,
  });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vault serve said nothing within 30 s:\n${launched.output.stderr}`)), 30_000);
    launched.child.stdout!.on('data', () => {
      const match = /Keyward vault listening on (\S+)/.exec(launched.output.stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    void launched.exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`vault serve exited with ${code}:\n${launched.output.stderr}`));
    });
  });
  return {
    url,
    launched,
    stop: async () => {
      if (launched.child.exitCode === null && launched.child.signalCode === null) launched.child.kill('SIGTERM');
      return launched.exited;
    },
  };
}

/** A self-signed certificate for 127.0.0.1 and localhost (openssl), or undefined when openssl is missing. */
export function selfSignedCertificate(dir: string): { cert: string; key: string } | undefined {
  const cert = join(dir, 'vault.crt');
  const key = join(dir, 'vault.key');
  try {
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-days',
        '1',
        '-subj',
        '/CN=keyward-vault-test',
        '-addext',
        'subjectAltName=IP:127.0.0.1,DNS:localhost',
        '-keyout',
        key,
        '-out',
        cert,
      ],
      { stdio: 'ignore' },
    );
  } catch {
    return undefined;
  }
  return { cert, key };
}

/** An API of the test server with encrypted key storage turned on. */
export async function recoverableApi(t: TestServer, rootKey = t.rootKey): Promise<string> {
  const api = await t.call('apis.createApi', { name: 'recoverable api' }, { rootKey });
  if (api.status !== 200) throw new Error(`createApi answered ${api.status}`);
  const apiId = api.body.data.apiId as string;
  const settings = await t.call('apiSettings.updateSettings', { apiId, storeEncryptedKeys: true }, { rootKey });
  if (settings.status !== 200) throw new Error(`updateSettings answered ${settings.status}: ${JSON.stringify(settings.body)}`);
  return apiId;
}
