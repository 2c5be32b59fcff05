import { pathToFileURL } from 'node:url';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { type KeywardAuth, type KeywardGuardOptions, keywardGuard, keywardOptionsFromEnv } from '../keyward-guard.js';

/** Fastify preHandler hook: refuses the request, or sets `request.getDecorator('keyward')` for the handler. */
export function keyward(options: KeywardGuardOptions) {
  const guard = keywardGuard(options);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const outcome = await guard(request.headers.authorization);
    if (!outcome.pass) return reply.code(outcome.status).headers(outcome.headers).send(outcome.body);
    request.setDecorator('keyward', outcome.auth);
  };
}

export function createApp(options: KeywardGuardOptions = keywardOptionsFromEnv()) {
  const app = Fastify();
  app.decorateRequest('keyward', null);
  app.get('/protected', { preHandler: keyward(options) }, async (request) => {
    const auth = request.getDecorator<KeywardAuth>('keyward'); // auth.externalId, auth.permissions, auth.meta
    return { auth };
  });
  return app;
}

// `npx tsx examples/fastify/app.ts` serves it on port 3000.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  await createApp().listen({ port: Number(process.env.PORT ?? 3000) });
}
