import { Unkey } from '@unkey/api';
import { UnkeyError } from '@unkey/api/models/errors';

/**
 * The part every framework example shares: take a request's bearer key, verify it with Keyward through the official
 * `@unkey/api` client (pointed at Keyward with `serverURL`), and turn the answer into "pass, with who the caller is"
 * or "refuse, with this status and JSON body". The framework files only move headers and bodies in and out.
 */

export interface KeywardGuardOptions {
  /** Keyward's base URL, for example `http://127.0.0.1:7070`. */
  url: string;
  /** A root key holding `api.*.verify_key` (or `api.<apiId>.verify_key`); it never leaves your server. */
  rootKey: string;
  /** A permission query the key must satisfy, for example `documents.read`; a key without it gets 403. */
  permissions?: string;
  /**
   * When Keyward cannot answer (unreachable, timed out, 5xx): `false` (the default) refuses with 503; `true` lets the
   * request through with `auth.verified === false`, so the handler knows nobody was checked.
   */
  failOpen?: boolean;
  /** How long one verification may take before Keyward counts as unreachable. */
  timeoutMs?: number;
  /** Told about every verification that could not be made (outages, a refused root key): log it. */
  onError?: (error: unknown) => void;
}

/** What the handler sees about the caller. */
export type KeywardAuth =
  | {
      verified: true;
      keyId: string;
      /** The key's identity (your user or tenant id), when the key has one. */
      externalId: string | null;
      permissions: string[];
      roles: string[];
      meta: Record<string, unknown>;
      /** Credits left after this request; null when the key is unlimited. */
      credits: number | null;
    }
  | { verified: false; skipped: 'keyward_unavailable' };

export type GuardStatus = 401 | 403 | 429 | 500 | 503;

export type GuardOutcome =
  | { pass: true; auth: KeywardAuth }
  | { pass: false; status: GuardStatus; headers: Record<string, string>; body: { error: { code: string; message: string } } };

export const DEFAULT_TIMEOUT_MS = 2000;

/** KEYWARD_URL, KEYWARD_ROOT_KEY and (optional) KEYWARD_FAIL_OPEN=true, read when an app is made. */
export function keywardOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): KeywardGuardOptions {
  const url = env.KEYWARD_URL;
  const rootKey = env.KEYWARD_ROOT_KEY;
  if (!url || !rootKey) throw new Error('Set KEYWARD_URL and KEYWARD_ROOT_KEY (a root key holding api.*.verify_key)');
  return { url, rootKey, failOpen: env.KEYWARD_FAIL_OPEN === 'true' };
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

// Verification outcomes and the status a client gets. A key that does not exist, is disabled or has expired is not a
// usable credential (401, with WWW-Authenticate as RFC 6750 asks); a known key asking for more than it may is 403;
// "slow down" (rate limit) and "out of credits" are 429. A code this file does not know is refused (401).
const REFUSALS: Record<string, { status: 401 | 403 | 429; message: string }> = {
  NOT_FOUND: { status: 401, message: 'The API key is not valid.' },
  DISABLED: { status: 401, message: 'The API key is disabled.' },
  EXPIRED: { status: 401, message: 'The API key has expired.' },
  FORBIDDEN: { status: 403, message: 'The API key may not be used from here.' },
  INSUFFICIENT_PERMISSIONS: { status: 403, message: 'The API key lacks the permissions this route needs.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests for this API key; retry later.' },
  USAGE_EXCEEDED: { status: 429, message: 'The API key has no credits left.' },
};

function refuse(status: GuardStatus, code: string, message: string, headers: Record<string, string> = {}): GuardOutcome {
  if (status === 401) headers['www-authenticate'] = 'Bearer';
  return { pass: false, status, headers, body: { error: { code, message } } };
}

/** Seconds until the latest exceeded limit's window resets (at least 1), or undefined when none says. */
function retryAfterSeconds(ratelimits: { exceeded: boolean; reset: number }[] | undefined, now: number): number | undefined {
  const resets = (ratelimits ?? []).filter((limit) => limit.exceeded).map((limit) => limit.reset);
  if (resets.length === 0) return undefined;
  return Math.max(1, Math.ceil((Math.max(...resets) - now) / 1000));
}

/** Why Keyward gave no verification result: the SDK throws for every non-2xx answer and every transport failure. */
type Failure = 'invalid_key' | 'outage' | 'bad_permissions_query' | 'rejected_root_key';

function classify(error: unknown): Failure {
  // Connection refused or reset, or a timeout: no answer at all.
  if (!(error instanceof UnkeyError)) return 'outage';
  // A 5xx, Keyward's own workspace limit (429), or a 2xx the SDK cannot read (a proxy's page): no answer for now.
  if (error.statusCode < 400 || error.statusCode >= 500 || error.statusCode === 429) return 'outage';
  // A 400 is about the key itself (Keyward refuses an over-long one before looking it up), unless it names the
  // route's permission query (docs/errors.md, permissions_query_syntax_error), which is this server's fault.
  if (error.statusCode === 400) return error.body.includes('permissions_query_syntax_error') ? 'bad_permissions_query' : 'invalid_key';
  // 401/403/404 are about our root key (unknown, revoked, expired), not the caller's key.
  return 'rejected_root_key';
}

/** Makes the guard once per app: one client, reused by every request. */
export function keywardGuard(options: KeywardGuardOptions): (authorization: string | null | undefined) => Promise<GuardOutcome> {
  const unkey = new Unkey({
    rootKey: options.rootKey,
    serverURL: options.url,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    // The SDK retries 5xx and connection errors with backoff for up to 10 s by default; a request waiting on its
    // own authentication should fail fast instead.
    retryConfig: { strategy: 'none' },
  });

  return async (authorization) => {
    const key = authorization ? BEARER.exec(authorization)?.[1] : undefined;
    if (!key) return refuse(401, 'MISSING_KEY', 'Send the API key as "Authorization: Bearer <key>".');

    let result: Awaited<ReturnType<typeof unkey.keys.verifyKey>>['data'];
    try {
      result = (await unkey.keys.verifyKey({ key, ...(options.permissions ? { permissions: options.permissions } : {}) })).data;
    } catch (error) {
      const failure = classify(error);
      if (failure === 'invalid_key') return refuse(401, 'NOT_FOUND', REFUSALS.NOT_FOUND!.message);
      options.onError?.(error);
      if (failure === 'outage') {
        if (options.failOpen) return { pass: true, auth: { verified: false, skipped: 'keyward_unavailable' } };
        return refuse(503, 'KEYWARD_UNAVAILABLE', 'API key verification is unavailable; retry later.', { 'retry-after': '5' });
      }
      // A server fault, never failed open: letting requests through would hide it.
      const code = failure === 'bad_permissions_query' ? 'KEYWARD_REJECTED_PERMISSIONS_QUERY' : 'KEYWARD_REJECTED_ROOT_KEY';
      return refuse(500, code, 'API key verification is misconfigured on this server.');
    }

    if (result.valid) {
      return {
        pass: true,
        auth: {
          verified: true,
          keyId: result.keyId ?? '',
          externalId: result.identity?.externalId ?? null,
          permissions: result.permissions ?? [],
          roles: result.roles ?? [],
          meta: result.meta ?? {},
          credits: result.credits ?? null,
        },
      };
    }
    const refusal = REFUSALS[result.code] ?? REFUSALS.NOT_FOUND!;
    const headers: Record<string, string> = {};
    if (result.code === 'RATE_LIMITED') {
      const seconds = retryAfterSeconds(result.ratelimits, Date.now());
      if (seconds !== undefined) headers['retry-after'] = String(seconds);
    }
    return refuse(refusal.status, String(result.code), refusal.message, headers);
  };
}
