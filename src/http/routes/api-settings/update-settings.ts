import { ApiSettingsData, UpdateApiSettingsBody } from '../../../contract/apis.js';
import type { ApiSettingsInput } from '../../../services/apis.js';
import { defineRoute } from '../../route.js';
import { apiSettingsData } from '../../../contract/views/api-settings.js';

export default defineRoute({
  operation: 'apiSettings.updateSettings',
  summary:
    "Change an API's Keyward settings: delete protection, encrypted key storage (recoverable keys), IP whitelist, default key prefix, byte length and key format, leak policy",
  description:
    'Keyward extension; audited as `api.update`. Requires `api.*.update_api` or `api.<apiId>.update_api`. ' +
    '412 for `storeEncryptedKeys: true` on a server without a vault (KEYWARD_MASTER_KEYS or KEYWARD_VAULT_URL).',
  body: UpdateApiSettingsBody,
  data: ApiSettingsData,
  errors: [400, 401, 403, 404, 412, 500],
  async handle({ body, ctx, services }) {
    const settings: ApiSettingsInput = {};
    if (body.deleteProtection !== undefined) settings.deleteProtection = body.deleteProtection;
    if (body.storeEncryptedKeys !== undefined) settings.storeEncryptedKeys = body.storeEncryptedKeys;
    if (body.ipWhitelist !== undefined) settings.ipWhitelist = body.ipWhitelist;
    if (body.defaultPrefix !== undefined) settings.defaultPrefix = body.defaultPrefix;
    if (body.defaultByteLength !== undefined) settings.defaultByteLength = body.defaultByteLength;
    if (body.leakPolicy !== undefined) settings.leakPolicy = body.leakPolicy;
    if (body.keyFormat !== undefined) settings.keyFormat = body.keyFormat;
    return { data: apiSettingsData(await services.apis.updateSettings(ctx, body.apiId, settings)) };
  },
});
