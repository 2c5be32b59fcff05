import { KeywardError } from '../core/errors.js';

/** The not-found answers of the services, one per kind of thing, so a thing is "not found" in the same words everywhere. */

/** Upstream's words, which do not echo the caller's id (issue 13, item 6). */
export const apiNotFound = () => new KeywardError('api_not_found', 'The specified API was not found.');
export const identityNotFound = (identity: string) => new KeywardError('identity_not_found', `The identity '${identity}' was not found.`);
export const keyNotFound = (keyId: string) => new KeywardError('key_not_found', `The key '${keyId}' was not found.`);
export const migrationNotFound = (migrationId: string) =>
  new KeywardError('migration_not_found', `The migration '${migrationId}' was not found.`);
export const namespaceNotFound = (namespace: string) =>
  new KeywardError('ratelimit_namespace_not_found', `The namespace '${namespace}' does not exist.`);
export const overrideNotFound = (identifier: string) =>
  new KeywardError('ratelimit_override_not_found', `No override in this namespace matches '${identifier}'.`);
export const permissionNotFound = (permission: string) =>
  new KeywardError('permission_not_found', `Permission '${permission}' was not found.`);
export const roleNotFound = (role: string) => new KeywardError('role_not_found', `Role '${role}' was not found.`);
export const rootKeyNotFound = (rootKeyId: string) =>
  new KeywardError('root_key_id_not_found', `The root key '${rootKeyId}' was not found.`);
export const webhookEndpointNotFound = (endpointId: string) =>
  new KeywardError('webhook_endpoint_not_found', `The webhook endpoint '${endpointId}' was not found.`);
export const webhookDeliveryNotFound = (deliveryId: string) =>
  new KeywardError('webhook_delivery_not_found', `The webhook delivery '${deliveryId}' was not found.`);
