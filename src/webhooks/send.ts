import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { endpointUrlProblem, isPublicAddress } from './address-policy.js';

/** What one attempt to deliver came to. Never the response body: a receiver's answer is not Keyward's to keep. */
export interface SendOutcome {
  statusCode: number | null;
  error: string | null;
  durationMs: number;
}

export interface SendLimits {
  timeoutMs: number;
  /** Bytes of the answer read at most; the connection is closed after them. */
  maxResponseBytes: number;
  allowPrivateAddresses: boolean;
}

/**
 * Resolves a host as the system does, keeping only public addresses unless private ones are allowed: the check is
 * made on the address connected to, so a name that resolves to a private address at delivery time (DNS rebinding)
 * is refused like one that always did.
 */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { family: options.family ?? 0, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      const usable = allowPrivate ? addresses : addresses.filter((a) => isPublicAddress(a.address));
      if (usable.length === 0) {
        const refused = Object.assign(new Error(`${hostname} resolves only to private or reserved addresses`), { code: 'EADDRREFUSED' });
        return callback(refused, '', 0);
      }
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, usable);
      return callback(null, usable[0]!.address, usable[0]!.family);
    });
  };
}

/**
 * POSTs one signed delivery. Redirects are not followed (a 3xx is a failure); the whole attempt, connection to last
 * byte read, is bounded by `timeoutMs`.
 */
export function sendWebhook(url: string, headers: Record<string, string>, body: string, limits: SendLimits): Promise<SendOutcome> {
  const started = performance.now();
  const elapsed = () => performance.now() - started;
  const problem = endpointUrlProblem(url, limits.allowPrivateAddresses);
  if (problem !== undefined) return Promise.resolve({ statusCode: null, error: `refused: the URL ${problem}`, durationMs: 0 });
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const finish = (outcome: Omit<SendOutcome, 'durationMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      req.destroy();
      resolve({ ...outcome, durationMs: elapsed() });
    };
    const req = request(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': String(Buffer.byteLength(body)) },
        lookup: guardedLookup(limits.allowPrivateAddresses),
        agent: false,
      },
      (res: IncomingMessage) => {
        const statusCode = res.statusCode ?? null;
        let read = 0;
        const done = () =>
          finish({ statusCode, error: statusCode !== null && statusCode >= 200 && statusCode < 300 ? null : `answered ${statusCode}` });
        res.on('data', (chunk: Buffer) => {
          read += chunk.length;
          if (read >= limits.maxResponseBytes) done();
        });
        res.on('end', done);
        res.on('error', done);
      },
    );
    const timer = setTimeout(() => finish({ statusCode: null, error: `timed out after ${limits.timeoutMs} ms` }), limits.timeoutMs);
    req.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error.code === 'EADDRREFUSED' ? `refused: ${error.message}` : `could not connect: ${error.code ?? error.message}`;
      finish({ statusCode: null, error: reason });
    });
    req.end(body);
  });
}
