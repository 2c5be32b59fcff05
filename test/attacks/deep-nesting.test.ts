import { beforeAll, describe, expect, it } from 'vitest';
import type { CallResult, TestServer } from '../harness.js';
import { newIdentity } from '../identity-fixtures.js';
import { auditCount, getKey, newApi, newKey } from '../key-fixtures.js';
import { useTestServer } from '../per-file-server.js';

/**
 * Issue 11, finding 8. `meta` nested 5,000 levels deep on keys.updateKey or identities.updateIdentity answered 500.
 * Now every JSON body, on every route and in the verify lane, nests at most 32 levels (the body itself is the first;
 * docs/errors.md, "Bounds"): deeper is a 400 with the error envelope, and nothing changes.
 */

const t = useTestServer();

const MAX_DEPTH = 32;
/** `levels` objects nested inside one another, as JSON text: {"a":{"a":...{}}}. */
const nestedObject = (levels: number) => `${'{"a":'.repeat(levels - 1)}{}${'}'.repeat(levels - 1)}`;
const nestedArray = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

let apiId: string;
let keyId: string;
let key: string;
let identity: string;

async function snapshot(server: TestServer) {
  return {
    audit: await auditCount(server),
    key: await getKey(server, keyId),
    identity: (await server.call('identities.getIdentity', { identity })).body.data,
    keys: (await server.call('apis.listKeys', { apiId })).body.data.length,
  };
}

function expectRefused(res: CallResult, what: string) {
  expect(res.status, `${what}: ${JSON.stringify(res.body).slice(0, 300)}`).toBe(400);
  expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/application/invalid_input');
  expect(res.body.error.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('32 levels') })]);
}

beforeAll(async () => {
  apiId = await newApi(t);
  ({ keyId, key } = await newKey(t, { apiId, meta: { plan: 'free' } }));
  identity = (await newIdentity(t, { meta: { plan: 'free' } })).identityId;
});

describe('deep nesting', () => {
  describe('400 with the error envelope, and nothing changed', () => {
    const bodies: Array<[string, (meta: string) => string]> = [
      ['keys.updateKey', (meta) => `{"keyId":"${keyId}","meta":${meta}}`],
      ['identities.updateIdentity', (meta) => `{"identity":"${identity}","meta":${meta}}`],
      ['keys.createKey', (meta) => `{"apiId":"${apiId}","meta":${meta}}`],
      ['identities.createIdentity', (meta) => `{"externalId":"deep_owner","meta":${meta}}`],
      ['keys.migrateKeys', (meta) => `{"migrationId":"mig_x","apiId":"${apiId}","keys":[{"hash":"abc","meta":${meta}}]}`],
      // The verify lane reads this body itself and hands it to Fastify, which answers.
      ['keys.verifyKey', (meta) => `{"key":"${key}","ratelimits":[${meta}]}`],
      ['ratelimit.multiLimit', (meta) => `[${meta}]`],
    ];
    for (const [operation, body] of bodies) {
      it(`${operation}: 5,000 and 100,000 levels of objects or arrays`, async () => {
        const before = await snapshot(t);
        for (const levels of [5_000, 100_000]) {
          expectRefused(await t.call(operation, body(nestedObject(levels))), `${levels} objects`);
          expectRefused(await t.call(operation, body(nestedArray(levels))), `${levels} arrays`);
        }
        expect(await snapshot(t)).toEqual(before);
      });
    }
  });

  it('a body nested exactly 32 levels is taken and read back whole; 33 is refused', async () => {
    // The body is level 1 and meta level 2, so meta holds 31 levels.
    const meta = nestedObject(MAX_DEPTH - 1);
    const created = await t.call('keys.createKey', `{"apiId":"${apiId}","meta":${meta}}`);
    expect(created.status).toBe(200);
    expect((await getKey(t, created.body.data.keyId)).meta).toEqual(JSON.parse(meta));
    const before = await snapshot(t);
    expectRefused(await t.call('keys.updateKey', `{"keyId":"${keyId}","meta":${nestedObject(MAX_DEPTH)}}`), '33 levels');
    expect(await snapshot(t)).toEqual(before);
  });

  it('the server keeps answering', async () => {
    expect((await t.call('keys.verifyKey', { key })).body.data).toMatchObject({ valid: true });
    expect((await t.call('identities.listIdentities', {})).status).toBe(200);
  });
});
