import { expect, it } from 'vitest';
import { boundedValidatorCompiler } from '../src/http/body-validation.js';
import { ROUTES } from '../src/http/routes/index.js';
import { AJV_OPTIONS } from '../src/http/verify-lane.js';

/**
 * Fields with a default are optional in openapi.json (src/contract/common.ts, Defaulted), and the services still
 * receive them: the request validator, with the options both request paths use, writes each default into the body.
 * Here a body leaving out every defaulted field is validated as the server does, and comes out with the defaults.
 */
const compile = boundedValidatorCompiler({}, { customOptions: AJV_OPTIONS });
const limit = { name: 'api_calls', limit: 10, duration: 60_000 };

const CASES: Record<string, { sent: unknown; received: unknown }> = {
  'apis.listKeys': { sent: { apiId: 'api_1' }, received: { apiId: 'api_1', limit: 100, decrypt: false, revalidateKeysCache: false } },
  'keys.createKey': {
    sent: { apiId: 'api_1', ratelimits: [limit] },
    received: { apiId: 'api_1', ratelimits: [{ ...limit, autoApply: false }], enabled: true, recoverable: false },
  },
  'keys.updateKey': {
    sent: { keyId: 'key_1', ratelimits: [limit] },
    received: { keyId: 'key_1', ratelimits: [{ ...limit, autoApply: false }] },
  },
  'keys.getKey': { sent: { keyId: 'key_1' }, received: { keyId: 'key_1', decrypt: false } },
  'keys.deleteKey': { sent: { keyId: 'key_1' }, received: { keyId: 'key_1', permanent: false } },
  'keys.verifyKey': {
    sent: { key: 'sk_1', ratelimits: [{ name: 'requests' }] },
    received: { key: 'sk_1', ratelimits: [{ name: 'requests', cost: 1 }] },
  },
  'keys.migrateKeys': {
    sent: { migrationId: 'mig_1', apiId: 'api_1', keys: [{ hash: 'abc', ratelimits: [limit] }] },
    received: {
      migrationId: 'mig_1',
      apiId: 'api_1',
      keys: [{ hash: 'abc', ratelimits: [{ ...limit, autoApply: false }], enabled: true }],
    },
  },
  'identities.createIdentity': {
    sent: { externalId: 'user_1', ratelimits: [limit] },
    received: { externalId: 'user_1', ratelimits: [{ ...limit, autoApply: false }] },
  },
  'identities.updateIdentity': {
    sent: { identity: 'user_1', ratelimits: [limit] },
    received: { identity: 'user_1', ratelimits: [{ ...limit, autoApply: false }] },
  },
  'identities.listIdentities': { sent: {}, received: { limit: 100 } },
  'apis.listApis': { sent: {}, received: { limit: 100 } },
  'permissions.listPermissions': { sent: {}, received: { limit: 100 } },
  'permissions.listRoles': { sent: {}, received: { limit: 100 } },
  'audit.listLogs': { sent: {}, received: { limit: 100, order: 'asc' } },
  'analytics.getTopKeys': { sent: { start: 0, end: 1 }, received: { start: 0, end: 1, limit: 10 } },
  'analytics.getTopIdentities': { sent: { start: 0, end: 1 }, received: { start: 0, end: 1, limit: 10 } },
  'ratelimit.limit': {
    sent: { namespace: 'ns', identifier: 'u', limit: 5, duration: 1000 },
    received: { namespace: 'ns', identifier: 'u', limit: 5, duration: 1000, cost: 1 },
  },
  'ratelimit.multiLimit': {
    sent: [{ namespace: 'ns', identifier: 'u', limit: 5, duration: 1000 }],
    received: [{ namespace: 'ns', identifier: 'u', limit: 5, duration: 1000, cost: 1 }],
  },
  'ratelimit.listOverrides': { sent: { namespace: 'ns' }, received: { namespace: 'ns', limit: 10 } },
  'ratelimitNamespaces.listNamespaces': { sent: {}, received: { limit: 100 } },
  'rootKeys.listRootKeys': { sent: {}, received: { limit: 100 } },
  'webhooks.createEndpoint': { sent: { url: 'https://x.example' }, received: { url: 'https://x.example', eventTypes: [], enabled: true } },
  'webhooks.listEndpoints': { sent: {}, received: { limit: 100 } },
  'webhooks.listDeliveries': { sent: {}, received: { limit: 50 } },
};

const hasDefault = (node: unknown): boolean =>
  node !== null && typeof node === 'object' && ('default' in node || Object.values(node).some(hasDefault));

it('every operation with a defaulted field is covered here', () => {
  const withDefaults = ROUTES.filter((route) => hasDefault(route.body)).map((route) => route.operation);
  expect(Object.keys(CASES).sort()).toEqual(withDefaults.sort());
});

for (const [operation, { sent, received }] of Object.entries(CASES)) {
  it(`${operation}: a body without its defaulted fields validates and gets the defaults`, () => {
    const route = ROUTES.find((r) => r.operation === operation)!;
    const validate = compile({ schema: route.body, method: 'POST', url: `/v2/${operation}`, httpPart: 'body' } as never);
    const body = structuredClone(sent);
    expect(validate(body), JSON.stringify(validate.errors)).toBe(true);
    expect(body).toEqual(received);
  });
}
