import type { IncomingMessage } from 'node:http';
import { KeywardError } from '../core/errors.js';
import { contextFor, type RootKeyAuthentication } from '../services/authentication.js';
import type { RequestContext } from '../services/context.js';
import type { OperatorAuthentication } from '../services/operators/operator-authentication.js';
import { clientIp, forwardedForIgnored, type ProxyTrust } from './client-ip.js';
import { CSRF_HEADER, headerValue, sessionToken, WORKSPACE_HEADER } from './session-cookie.js';
import type { WorkspaceRateLimit } from './workspace-limit.js';

export interface AdmissionDeps {
  authentication: RootKeyAuthentication;
  /** The per-workspace API rate limit; absent: never limited. */
  workspaceLimit: WorkspaceRateLimit | undefined;
  /** KEYWARD_TRUST_PROXY, built once (client-ip.ts): which X-Forwarded-For, if any, names the client. */
  trustProxy: ProxyTrust;
  /** Dashboard operators acting through their session cookie; absent: root keys only. */
  operators?: OperatorAuthentication;
}

/** Admits a request or throws the contract's error; the workspace limit's headers are set on `target`. */
export type Admit<Target> = (req: IncomingMessage, requestId: string, target: Target) => Promise<RequestContext>;

const MALFORMED = "The Authorization header must start with 'Bearer ' followed by a root key.";

/** The root key's secret from an Authorization header, or the contract's 400/401 for a missing or malformed one. */
export function bearerToken(header: string | undefined): string {
  const value = header?.trim() ?? '';
  if (value === '') throw new KeywardError('auth_missing', "Authorization header for 'bearer' scheme is missing.");
  if (!/^bearer\s/i.test(value)) throw new KeywardError('auth_malformed', MALFORMED);
  const token = value.slice(7).trim();
  if (token === '') throw new KeywardError('auth_malformed', MALFORMED);
  return token;
}

/**
 * What every operation goes through before it runs, the same for both entrances (app.ts's routes and the verify
 * lane): the root key, then the workspace API limit, then the context the operation runs in. `setHeader` writes
 * the limit's headers on each entrance's own answer; it is given once here so that nothing is allocated per request
 * unless a limit applies. One await (the root-key lookup), and a second only when a workspace limit applies.
 */
export function admission<Target>(deps: AdmissionDeps, setHeader: (target: Target, name: string, value: string) => void): Admit<Target> {
  const { authentication, workspaceLimit, trustProxy, operators } = deps;
  return async (req, requestId, target) => {
    const sourceIp = clientIp(req, trustProxy);
    const userAgent = req.headers['user-agent'] ?? null;
    // A bearer key wins over a cookie: only a request with no Authorization header at all acts as an operator.
    const session = operators && req.headers.authorization === undefined ? sessionToken(req) : undefined;
    let context: RequestContext;
    /** The workspace's own API rate limit (null: the server-wide one), whoever acts in it. */
    let ownLimit: number | null;
    if (session !== undefined) {
      ({ context, apiRateLimit: ownLimit } = await operators!.contextFor(
        { sessionToken: session, csrfToken: headerValue(req, CSRF_HEADER), workspaceId: headerValue(req, WORKSPACE_HEADER) },
        { requestId, sourceIp, userAgent },
      ));
    } else {
      const principal = authentication.principalOf(await authentication.lookUp(bearerToken(req.headers.authorization)));
      ownLimit = principal.apiRateLimit;
      context = contextFor(principal, requestId, sourceIp, userAgent);
    }
    // Right after authentication, before the operation does anything.
    const apiLimit = workspaceLimit?.limitFor(ownLimit) ?? null;
    if (apiLimit !== null) await workspaceLimit!.enforce(context.workspaceId, apiLimit, (name, value) => setHeader(target, name, value));
    // Only a request that sent X-Forwarded-For pays more than a header lookup (verify's whitelist warning reads it).
    if (forwardedForIgnored(req, trustProxy)) context.forwardedForIgnored = true;
    return context;
  };
}
