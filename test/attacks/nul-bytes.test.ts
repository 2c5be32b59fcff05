import { beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../harness.js';
import { auditCount, getKey, newApi, newKey } from '../key-fixtures.js';
import { useTestServer } from '../per-file-server.js';

/**
 * Issue 11, finding 9. PostgreSQL answered 500 to a NUL character (\u0000) in any string (it cannot store one in
 * text; SQLite stored it), and both engines silently stored U+FFFD for a lone surrogate (\ud800), which has no
 * UTF-8 form. Now no string of a request body, property names included, may hold either, on every route and in the
 * verify lane (docs/errors.md, "Bounds"): a 400 with the error envelope, the same on both engines, and nothing
 * changes.
 */

const t = useTestServer();

/** The JSON escapes sent: NUL, a lone high surrogate, a lone low surrogate, and a low surrogate before a high one. */
const HOSTILE: Array<[string, string]> = [
  ['\\u0000', 'must not contain the NUL character (\\u0000)'],
  ['\\ud800', 'must be well-formed Unicode (a lone surrogate is not)'],
  ['\\udc00', 'must be well-formed Unicode (a lone surrogate is not)'],
  ['\\udc00\\ud800', 'must be well-formed Unicode (a lone surrogate is not)'],
];

let apiId: string;
let keyId: string;
let key: string;
let migrationId: string;

async function snapshot(server: TestServer) {
  return {
    audit: await auditCount(server),
    key: await getKey(server, keyId),
    keys: (await server.call('apis.listKeys', { apiId })).body.data.length,
    identities: (await server.call('identities.listIdentities', {})).body.data.length,
    permissions: (await server.call('permissions.listPermissions', {})).body.data.length,
    namespaces: (await server.call('ratelimitNamespaces.listNamespaces', {})).body.data.length,
  };
}

beforeAll(async () => {
  apiId = await newApi(t);
  ({ keyId, key } = await newKey(t, { apiId, name: 'target', meta: { plan: 'free' } }));
  migrationId = (await t.call('keyMigrations.createMigration', { algorithm: 'sha256_hex' })).body.data.migrationId;
});

/** A string field of each kind, as raw JSON with # inside the string, and where the error points. */
const FIELDS: Array<[string, string, () => string]> = [
  ['apis.createApi', 'body.name', () => `{"name":"api #"}`],
  ['keys.createKey', 'body.name', () => `{"apiId":"${apiId}","name":"key #"}`],
  ['keys.createKey', 'body.meta.plan', () => `{"apiId":"${apiId}","meta":{"plan":"pro #"}}`],
  ['keys.createKey', 'body.meta.nested.0', () => `{"apiId":"${apiId}","meta":{"nested":["#"]}}`],
  // A bad property name is reported at its object, under `property names ...`.
  ['keys.createKey', 'body.meta', () => `{"apiId":"${apiId}","meta":{"plan #":"pro"}}`],
  ['keys.createKey', 'body.roles.0', () => `{"apiId":"${apiId}","roles":["role #"]}`],
  ['keys.updateKey', 'body.name', () => `{"keyId":"${keyId}","name":"renamed #"}`],
  ['keys.updateKey', 'body.meta.plan', () => `{"keyId":"${keyId}","meta":{"plan":"#"}}`],
  ['keys.whoami', 'body.key', () => `{"key":"${key}#"}`],
  ['keys.verifyKey', 'body.key', () => `{"key":"${key}#"}`],
  ['keys.verifyKey', 'body.tags.0', () => `{"key":"${key}","tags":["tag #"]}`],
  ['keys.verifyKey', 'body.migrationId', () => `{"key":"${key}","migrationId":"${migrationId}#"}`],
  ['keys.verifyKey', 'body.ratelimits.0.name', () => `{"key":"${key}","ratelimits":[{"name":"adhoc #","limit":1,"duration":1000}]}`],
  ['keys.migrateKeys', 'body.migrationId', () => `{"migrationId":"${migrationId}#","apiId":"${apiId}","keys":[{"hash":"abcdef"}]}`],
  ['keys.migrateKeys', 'body.keys.0.hash', () => `{"migrationId":"${migrationId}","apiId":"${apiId}","keys":[{"hash":"abc#"}]}`],
  ['apis.listKeys', 'body.cursor', () => `{"apiId":"${apiId}","cursor":"key_#"}`],
  ['apis.listKeys', 'body.apiId', () => `{"apiId":"${apiId}#"}`],
  ['identities.listIdentities', 'body.search', () => `{"search":"user #"}`],
  ['identities.listIdentities', 'body.cursor', () => `{"cursor":"id_#"}`],
  ['identities.getIdentity', 'body.identity', () => `{"identity":"user #"}`],
  ['permissions.createPermission', 'body.name', () => `{"name":"perm #","slug":"perm.nul"}`],
  ['permissions.createPermission', 'body.description', () => `{"name":"perm","slug":"perm.nul","description":"#"}`],
  ['permissions.listPermissions', 'body.search', () => `{"search":"#"}`],
  ['permissions.createRole', 'body.name', () => `{"name":"role #"}`],
  ['ratelimit.limit', 'body.namespace', () => `{"namespace":"ns #","identifier":"u","limit":1,"duration":1000}`],
  ['ratelimit.limit', 'body.identifier', () => `{"namespace":"ns","identifier":"u #","limit":1,"duration":1000}`],
  ['ratelimit.multiLimit', 'body.0.identifier', () => `[{"namespace":"ns","identifier":"u #","limit":1,"duration":1000}]`],
  ['audit.listLogs', 'body.events.0', () => `{"events":["key.create #"]}`],
  ['analytics.getVerificationTimeseries', 'body.tags.0', () => `{"start":0,"end":1,"interval":"hour","tags":["tag #"]}`],
  ['analytics.getVerificationTimeseries', 'body.externalId', () => `{"start":0,"end":1,"interval":"hour","externalId":"user #"}`],
  ['rootKeys.createRootKey', 'body.name', () => `{"name":"root #","permissions":["api.*.read_api"]}`],
];

describe('NUL characters and lone surrogates in strings', () => {
  describe('400 with the error envelope naming the field, the same on both engines, and nothing changed', () => {
    for (const [operation, location, template] of FIELDS) {
      it(`${operation} ${location}`, async () => {
        const before = await snapshot(t);
        for (const [sent, message] of HOSTILE) {
          const res = await t.call(operation, template().replace('#', sent));
          expect(res.status, `${sent}: ${JSON.stringify(res.body)}`).toBe(400);
          expect(res.body.error).toMatchObject({
            type: 'https://unkey.com/docs/errors/unkey/application/invalid_input',
            errors: [{ location, message: location === 'body.meta' ? `property names ${message}` : message }],
          });
        }
        expect(await snapshot(t)).toEqual(before);
      });
    }
  });

  it('well-formed text beyond ASCII, surrogate pairs included, is stored and read back as sent', async () => {
    const name = 'clé 🔑 ключ';
    const created = await t.call('keys.createKey', { apiId, name, meta: { 'ünïcode 🔑': 'значение 🔑' } });
    expect(created.status).toBe(200);
    const data = await getKey(t, created.body.data.keyId);
    expect(data).toMatchObject({ name, meta: { 'ünïcode 🔑': 'значение 🔑' } });
  });
});
