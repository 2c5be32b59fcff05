import { withKeyward } from '../../../with-keyward.js';

// GET /api/protected, with KEYWARD_URL and KEYWARD_ROOT_KEY set in the Next.js server's environment.
export const GET = withKeyward(async (_request, auth) => {
  // auth.externalId, auth.permissions, auth.meta
  return Response.json({ auth });
});
