import { pathToFileURL } from 'node:url';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { type KeywardAuth, type KeywardGuardOptions, keywardGuard, keywardOptionsFromEnv } from '../keyward-guard.js';

/** Hono middleware: refuses the request, or sets `c.get('keyward')` for the handler. */
export function keyward(options: KeywardGuardOptions) {
  const guard = keywardGuard(options);
  return createMiddleware<{ Variables: { keyward: KeywardAuth } }>(async (c, next) => {
    const outcome = await guard(c.req.header('authorization'));
    if (!outcome.pass) return c.json(outcome.body, outcome.status, outcome.headers);
    c.set('keyward', outcome.auth);
    await next();
  });
}

export function createApp(options: KeywardGuardOptions = keywardOptionsFromEnv()) {
  return new Hono().get('/protected', keyward(options), (c) => {
    const auth = c.get('keyward'); // auth.externalId, auth.permissions, auth.meta
    return c.json({ auth });
  });
}

// `npx tsx examples/hono/app.ts` serves it on port 3000 (on Bun, Deno or Workers: export createApp() instead).
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serve({ fetch: createApp().fetch, port: Number(process.env.PORT ?? 3000) });
}
