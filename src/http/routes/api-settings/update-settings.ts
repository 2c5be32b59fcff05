import { ApiSettingsData, UpdateApiSettingsBody } from '../../../contract/apis.js';
import { defineRoute } from '../../route.js';
import { apiSettingsData } from './map.js';

export default defineRoute({
  operation: 'apiSettings.updateSettings',
  summary: 'Change an API\'s Keyward settings; turns delete protection on or off',
  description: 'Keyward extension; audited as `api.update`. Requires `api.*.update_api` or `api.<apiId>.update_api`.',
  body: UpdateApiSettingsBody,
  data: ApiSettingsData,
  errors: [400, 401, 403, 404, 500],
  async handle({ body, ctx, services }) {
    const settings = body.deleteProtection === undefined ? {} : { deleteProtection: body.deleteProtection };
    return { data: apiSettingsData(await services.apis.updateSettings(ctx, body.apiId, settings)) };
  },
});
