import { pathToFileURL } from 'node:url';
import express, { type NextFunction, type Request, type Response } from 'express';
import { type KeywardAuth, type KeywardGuardOptions, keywardGuard, keywardOptionsFromEnv } from '../keyward-guard.js';

/** Express middleware: refuses the request, or sets `res.locals.keyward` for the handler. */
export function keyward(options: KeywardGuardOptions) {
  const guard = keywardGuard(options);
  return async (req: Request, res: Response, next: NextFunction) => {
    const outcome = await guard(req.get('authorization'));
    if (!outcome.pass) {
      res.status(outcome.status).set(outcome.headers).json(outcome.body);
      return;
    }
    res.locals.keyward = outcome.auth;
    next();
  };
}

export function createApp(options: KeywardGuardOptions = keywardOptionsFromEnv()) {
  const app = express();
  app.get('/protected', keyward(options), (_req: Request, res: Response<unknown, { keyward: KeywardAuth }>) => {
    const auth = res.locals.keyward; // auth.externalId, auth.permissions, auth.meta
    res.json({ auth });
  });
  return app;
}

// `npx tsx examples/express/app.ts` serves it on port 3000.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  createApp().listen(Number(process.env.PORT ?? 3000));
}
