import { CreditsOut, UpdateCreditsBody } from '../../../contract/keys.js';
import { defineRoute } from '../../route.js';
import { creditsData } from '../../../contract/views/keys.js';

export default defineRoute({
  operation: 'keys.updateCredits',
  summary: "Set, increment or decrement a key's remaining credits",
  description:
    'Requires `api.*.update_key` or `api.<apiId>.update_key`. `set` with `value: null` makes the key unlimited and clears its refill. ' +
    '`increment` and `decrement` need a number and a key with limited credits (else 400); `decrement` stops at 0. ' +
    'The change is one atomic statement, so concurrent verifications never overspend.',
  body: UpdateCreditsBody,
  data: CreditsOut,
  errors: [400, 401, 403, 404, 500],
  handle: async ({ body, ctx, services }) => ({ data: creditsData(await services.keys.updateCredits(ctx, body)) }),
});
