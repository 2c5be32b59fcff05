import type { OperationRoute } from '../route.js';
import getRatelimitAnalytics from './analytics/get-ratelimits.js';
import getVerificationAnalytics from './analytics/get-verifications.js';
import getTopIdentities from './analytics/get-top-identities.js';
import getTopKeys from './analytics/get-top-keys.js';
import getVerificationTimeseries from './analytics/get-verification-timeseries.js';
import getApiSettings from './api-settings/get-settings.js';
import updateApiSettings from './api-settings/update-settings.js';
import createApi from './apis/create-api.js';
import deleteApi from './apis/delete-api.js';
import getApi from './apis/get-api.js';
import listApis from './apis/list-apis.js';
import listKeys from './apis/list-keys.js';
import listAuditLogs from './audit/list-logs.js';
import verifyAuditChain from './audit/verify-chain.js';
import createIdentity from './identities/create-identity.js';
import deleteIdentity from './identities/delete-identity.js';
import getIdentity from './identities/get-identity.js';
import listIdentities from './identities/list-identities.js';
import updateIdentity from './identities/update-identity.js';
import addKeyPermissions from './keys/add-permissions.js';
import addKeyRoles from './keys/add-roles.js';
import createKey from './keys/create-key.js';
import deleteKey from './keys/delete-key.js';
import getKey from './keys/get-key.js';
import removeKeyPermissions from './keys/remove-permissions.js';
import removeKeyRoles from './keys/remove-roles.js';
import rerollKey from './keys/reroll-key.js';
import setKeyPermissions from './keys/set-permissions.js';
import setKeyRoles from './keys/set-roles.js';
import updateCredits from './keys/update-credits.js';
import updateKey from './keys/update-key.js';
import verifyKey from './keys/verify-key.js';
import whoami from './keys/whoami.js';
import migrateKeys from './keys/migrate-keys.js';
import createKeyMigration from './key-migrations/create-migration.js';
import createPermission from './permissions/create-permission.js';
import createRole from './permissions/create-role.js';
import deletePermission from './permissions/delete-permission.js';
import deleteRole from './permissions/delete-role.js';
import getPermission from './permissions/get-permission.js';
import getRole from './permissions/get-role.js';
import listPermissions from './permissions/list-permissions.js';
import listRoles from './permissions/list-roles.js';
import setRolePermissions from './permissions/set-role-permissions.js';
import deleteOverride from './ratelimit/delete-override.js';
import getOverride from './ratelimit/get-override.js';
import limit from './ratelimit/limit.js';
import listOverrides from './ratelimit/list-overrides.js';
import multiLimit from './ratelimit/multi-limit.js';
import setOverride from './ratelimit/set-override.js';
import deleteNamespace from './ratelimit-namespaces/delete-namespace.js';
import listNamespaces from './ratelimit-namespaces/list-namespaces.js';
import renameNamespace from './ratelimit-namespaces/rename-namespace.js';
import createRootKey from './root-keys/create-root-key.js';
import listRootKeyPermissions from './root-keys/list-permissions.js';
import listRootKeys from './root-keys/list-root-keys.js';
import rerollRootKey from './root-keys/reroll-root-key.js';
import revokeRootKey from './root-keys/revoke-root-key.js';
import updateRootKey from './root-keys/update-root-key.js';
import createWebhookEndpoint from './webhooks/create-endpoint.js';
import deleteWebhookEndpoint from './webhooks/delete-endpoint.js';
import listWebhookDeliveries from './webhooks/list-deliveries.js';
import listWebhookEndpoints from './webhooks/list-endpoints.js';
import redeliverWebhook from './webhooks/redeliver.js';
import updateWebhookEndpoint from './webhooks/update-endpoint.js';

/** Every operation the server answers. Add a route file, then list it here. */
export const ROUTES: OperationRoute[] = [
  createApi,
  getApi,
  listApis,
  deleteApi,
  listKeys,
  getApiSettings,
  updateApiSettings,
  createKey,
  getKey,
  whoami,
  updateKey,
  updateCredits,
  deleteKey,
  rerollKey,
  verifyKey,
  migrateKeys,
  createKeyMigration,
  addKeyPermissions,
  removeKeyPermissions,
  setKeyPermissions,
  addKeyRoles,
  removeKeyRoles,
  setKeyRoles,
  createPermission,
  getPermission,
  listPermissions,
  deletePermission,
  createRole,
  getRole,
  listRoles,
  deleteRole,
  setRolePermissions,
  createIdentity,
  getIdentity,
  listIdentities,
  updateIdentity,
  deleteIdentity,
  listAuditLogs,
  verifyAuditChain,
  getVerificationTimeseries,
  getTopKeys,
  getTopIdentities,
  limit,
  multiLimit,
  setOverride,
  getOverride,
  listOverrides,
  deleteOverride,
  listNamespaces,
  renameNamespace,
  deleteNamespace,
  createRootKey,
  listRootKeys,
  rerollRootKey,
  updateRootKey,
  revokeRootKey,
  listRootKeyPermissions,
  getVerificationAnalytics,
  getRatelimitAnalytics,
  createWebhookEndpoint,
  listWebhookEndpoints,
  updateWebhookEndpoint,
  deleteWebhookEndpoint,
  listWebhookDeliveries,
  redeliverWebhook,
] as OperationRoute[];
