import { ApiSettingsData, GetApiSettingsBody } from '../../../contract/apis.js';
import { defineRoute } from '../../route.js';
import { apiSettingsData } from '../../../contract/views/api-settings.js';

export default defineRoute({
  operation: 'apiSettings.getSettings',
  summary: "Read an API's Keyward settings (delete protection, encrypted key storage, IP whitelist, key defaults)",
  description: 'Keyward extension. Requires `api.*.read_api` or `api.<apiId>.read_api`.',
  body: GetApiSettingsBody,
  data: ApiSettingsData,
  errors: [400, 401, 403, 404, 500],
  handle: async ({ body, ctx, services }) => ({ data: apiSettingsData(await services.apis.get(ctx, body.apiId)) }),
});
