import { VerifyKeyBody, VerifyKeyData } from '../../../contract/keys.js';
import { defineRoute } from '../../route.js';

export default defineRoute({
  operation: 'keys.verifyKey',
  summary: 'Verify a key',
  description:
    'Answers HTTP 200 for every verification outcome; `valid` is true iff `code` is `VALID`. Checks, in order: the key exists ' +
    '(in this workspace, and the root key holds `api.*.verify_key` or `api.<apiId>.verify_key`; otherwise `NOT_FOUND` with no ' +
    "key data), then `DISABLED`, `EXPIRED`, the API's IP whitelist (`FORBIDDEN`, see apiSettings.updateSettings), the `permissions` query (`INSUFFICIENT_PERMISSIONS`), rate limits " +
    '(`RATE_LIMITED`), and finally credits (`USAGE_EXCEEDED`; `credits.cost` defaults to 1, and 0 only reads the balance). ' +
    'Rate limits: every `autoApply` limit of the key and its identity at cost 1, plus each `ratelimits` entry: with `limit` ' +
    'and `duration` an ad-hoc limit counted per key, otherwise the name of a configured limit (key-level before identity-level), ' +
    'else 412. They count all-or-nothing, and a rate-limited call spends no credits; `ratelimits` in the answer lists each ' +
    'evaluated limit. A `permissions` query that does not parse answers 400 (`permissions_query_syntax_error`). ' +
    "With `migrationId` (a migration of the caller's workspace), a key imported by keys.migrateKeys under its original hash is " +
    "found too; that first verification moves it to Keyward's hash, so afterwards it verifies without `migrationId`.",
  body: VerifyKeyBody,
  data: VerifyKeyData,
  errors: [400, 401, 403, 412, 429, 500],
  observe: (data, metrics) => metrics.verification(data.code),
  handle: async ({ body, ctx, services }) => ({ data: await services.verify.verify(ctx, body) }),
});
