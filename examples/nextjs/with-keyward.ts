import { type KeywardAuth, type KeywardGuardOptions, keywardGuard, keywardOptionsFromEnv } from '../keyward-guard.js';

/**
 * Wraps a Next.js App Router route handler: refuses the request, or calls `handler(request, auth)`. Plain Web
 * `Request`/`Response`, which route handlers accept, so the example needs no `next` package to type-check.
 * Options default to the environment, read on the first request (not at build time).
 */
export function withKeyward(handler: (request: Request, auth: KeywardAuth) => Response | Promise<Response>, options?: KeywardGuardOptions) {
  let guard: ReturnType<typeof keywardGuard> | undefined;
  return async (request: Request): Promise<Response> => {
    guard ??= keywardGuard(options ?? keywardOptionsFromEnv());
    const outcome = await guard(request.headers.get('authorization'));
    if (!outcome.pass) return Response.json(outcome.body, { status: outcome.status, headers: outcome.headers });
    return handler(request, outcome.auth);
  };
}
