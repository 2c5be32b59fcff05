import { GetKeyBody, GetKeyData } from '../../../contract/keys.js';
import { defineRoute } from '../../route.js';
import { keyData, keyLeakData } from '../../../contract/views/keys.js';

export default defineRoute({
  operation: 'keys.getKey',
  summary: 'Get a key: its settings, credits, limits, identity, roles and permissions',
  description:
    'Requires `api.*.read_key` or `api.<apiId>.read_key`. `decrypt: true` also requires `api.*.decrypt_key` or ' +
    '`api.<apiId>.decrypt_key`, answers 412 when the server has no vault or the API does not store encrypted keys, and ' +
    'returns `plaintext` for a recoverable key (audited as `key.decrypt`); a key that was not created recoverable comes without it. ' +
    'Keyward-only: `leaks` lists the reported leaks of the key (POST /v2/leaks.report).',
  body: GetKeyBody,
  data: GetKeyData,
  errors: [400, 401, 403, 404, 412, 500],
  async handle({ body, ctx, services }) {
    const { key, plaintext, leaks } = await services.keys.get(ctx, body.keyId, body.decrypt);
    const data = keyData(key, plaintext);
    return { data: leaks.length > 0 ? { ...data, leaks: leaks.map(keyLeakData) } : data };
  },
});
