import type { OperationRoute } from '../route.js';
import getApiSettings from './api-settings/get-settings.js';
import updateApiSettings from './api-settings/update-settings.js';
import createApi from './apis/create-api.js';
import deleteApi from './apis/delete-api.js';
import getApi from './apis/get-api.js';
import createKey from './keys/create-key.js';

/** Every operation the server answers. Add a route file, then list it here. */
export const ROUTES: OperationRoute[] = [
  createApi,
  getApi,
  deleteApi,
  getApiSettings,
  updateApiSettings,
  createKey,
] as OperationRoute[];
