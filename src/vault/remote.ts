import http from 'node:http';
import https from 'node:https';
import { VaultDecryptError, VaultUnavailableError } from './errors.js';
import type { DecryptRequest, Encrypted, EncryptRequest, Vault, VaultStatus } from './vault.js';

/**
 * The vault as a client of a `keyward vault serve` process (server.ts): the master keys and the vault
 * store stay with that process, so this one never sees a master key or a wrapped data key. HTTPS (TLS 1.3
 * only) unless the vault is on this machine's loopback interface; a bearer token on every call.
 */

export interface RemoteVaultOptions {
  /** `https://host:port` (or `http://127.0.0.1:port` for a vault on this machine), optionally with a path prefix. */
  url: string;
  token: string;
  /** PEM CA certificate(s) to trust for the vault's certificate instead of the system's. */
  ca?: string | Buffer;
  timeoutMs?: number;
}

/** The largest answer read from the vault; real answers are a few hundred bytes. */
const MAX_ANSWER_BYTES = 64 * 1024;

export class RemoteVault implements Vault {
  readonly kind = 'remote' as const;
  private readonly base: URL;
  private readonly agent: http.Agent;
  private readonly request: typeof http.request;

  constructor(private readonly options: RemoteVaultOptions) {
    this.base = new URL(options.url.endsWith('/') ? options.url : `${options.url}/`);
    if (this.base.protocol === 'https:') {
      this.agent = new https.Agent({ keepAlive: true, minVersion: 'TLSv1.3', ...(options.ca ? { ca: options.ca } : {}) });
      this.request = https.request;
    } else {
      this.agent = new http.Agent({ keepAlive: true });
      this.request = http.request;
    }
  }

  async encrypt(request: EncryptRequest): Promise<Encrypted> {
    const answer = (await this.post('v1/encrypt', request)) as Partial<Encrypted> | null;
    if (typeof answer?.ciphertext !== 'string' || typeof answer.dekId !== 'string')
      throw new VaultUnavailableError('the vault sent an unreadable answer');
    return { ciphertext: answer.ciphertext, dekId: answer.dekId };
  }

  async decrypt(request: DecryptRequest): Promise<string> {
    const answer = (await this.post('v1/decrypt', request)) as { plaintext?: unknown } | null;
    if (typeof answer?.plaintext !== 'string') throw new VaultUnavailableError('the vault sent an unreadable answer');
    return answer.plaintext;
  }

  /** Resolves when the vault answers an authenticated call; for start-up checks. */
  async check(): Promise<void> {
    await this.post('v1/check', {});
  }

  /** `vault serve` answers its versions to the authenticated check (server.ts). */
  async status(): Promise<VaultStatus> {
    const answer = (await this.post('v1/check', {})) as { masterKeyVersions?: { configured?: unknown; inUse?: unknown } } | null;
    // An older `vault serve` answers its check without versions: it answered all the same.
    if (answer !== null && typeof answer === 'object' && answer.masterKeyVersions === undefined) return {};
    const configured = versionList(answer?.masterKeyVersions?.configured);
    const inUse = versionList(answer?.masterKeyVersions?.inUse);
    if (!configured || !inUse) throw new VaultUnavailableError('the vault sent an unreadable answer');
    return { masterKeyVersions: { configured, inUse } };
  }

  async close(): Promise<void> {
    this.agent.destroy();
  }

  private post(path: string, body: unknown): Promise<unknown> {
    const payload = Buffer.from(JSON.stringify(body), 'utf8');
    const url = new URL(path, this.base);
    return new Promise((resolve, reject) => {
      const req = this.request(url, {
        method: 'POST',
        agent: this.agent,
        timeout: this.options.timeoutMs ?? 10_000,
        headers: {
          authorization: `Bearer ${this.options.token}`,
          'content-type': 'application/json',
          'content-length': String(payload.length),
          accept: 'application/json',
        },
      });
      req.on('timeout', () => req.destroy(new VaultUnavailableError('the vault did not answer in time')));
      // Node's own errors are replaced, not wrapped: their messages are not ours to vouch for.
      req.on('error', (error: NodeJS.ErrnoException) =>
        reject(
          error instanceof VaultUnavailableError
            ? error
            : new VaultUnavailableError(`the vault could not be reached (${error.code ?? 'connection failed'})`),
        ),
      );
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_ANSWER_BYTES) req.destroy(new VaultUnavailableError('the vault sent an oversized answer'));
          else chunks.push(chunk);
        });
        res.on('error', () => reject(new VaultUnavailableError('the vault connection broke')));
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status === 200) {
            try {
              resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
            } catch {
              // JSON.parse's message quotes the input, which may hold a plaintext: never pass it on.
              reject(new VaultUnavailableError('the vault sent an unreadable answer'));
            }
          } else if (status === 422) reject(new VaultDecryptError());
          else if (status === 401) reject(new VaultUnavailableError('the vault refused KEYWARD_VAULT_TOKEN'));
          else reject(new VaultUnavailableError(`the vault answered HTTP ${status}`));
        });
      });
      req.end(payload);
    });
  }
}

/** A list of master key versions (positive integers) as the vault answered it; undefined for anything else. */
function versionList(value: unknown): number[] | undefined {
  if (!Array.isArray(value) || value.length > 1000) return undefined;
  return value.every((v) => Number.isSafeInteger(v) && v > 0) ? (value as number[]) : undefined;
}
