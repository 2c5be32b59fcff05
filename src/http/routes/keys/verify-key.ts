import { VerifyKeyBody, VerifyKeyData } from '../../../contract/keys.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'keys.verifyKey',
  summary: 'Verify a key',
  description:
    'Answers HTTP 200 for every verification outcome; `valid` is true iff `code` is `VALID`. Checks, in order: the key exists ' +
    '(in this workspace, and the root key holds `api.*.verify_key` or `api.<apiId>.verify_key`; otherwise `NOT_FOUND` with no ' +
    'key data), then `DISABLED`, `EXPIRED`, the `permissions` query (`INSUFFICIENT_PERMISSIONS`), and finally credits ' +
    '(`USAGE_EXCEEDED`; `credits.cost` defaults to 1, and 0 only reads the balance). A `permissions` query that does not ' +
    'parse answers 400 (`permissions_query_syntax_error`).',
  body: VerifyKeyBody,
  data: VerifyKeyData,
  errors: [400, 401, 403, 500],
  async handle({ body, ctx, services }) {
    return { data: await services.verify.verify(ctx, body) };
  },
});
