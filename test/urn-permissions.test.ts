import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';
import { newApi, newKey } from './key-fixtures.js';

/**
 * URN root-key permissions reach the checks that accept them (docs/unkey-compatibility.md, "Permission requirements"), and only those: the key
 * operations, the identity operations and ratelimit.getOverride. Tuple-only checks ignore URN grants.
 */

let t: TestServer;
let apiId: string;
const U = (path: string, action: string, workspaceId = t.workspaceId) => `unkey:v1:${workspaceId}:${path}#${action}`;
beforeAll(async () => {
  t = await startTestServer();
  apiId = await newApi(t);
});
afterAll(async () => {
  await t.close();
});

describe('URN grants on keys', () => {
  it('verifyKey: the key, every key of its API, or everything; another key, API or workspace masks it as NOT_FOUND', async () => {
    const { key, keyId } = await newKey(t, { apiId });
    const otherWorkspace = (await t.newWorkspace()).workspaceId;
    for (const [grant, code] of [
      [U(`keyspaces/${apiId}/keys/${keyId}`, 'verify_key'), 'VALID'],
      [U(`keyspaces/${apiId}/keys/*`, 'verify_key'), 'VALID'],
      [U('**', '*'), 'VALID'],
      [U(`keyspaces/${apiId}/keys/key_other`, 'verify_key'), 'NOT_FOUND'],
      [U(`keyspaces/api_other/keys/*`, 'verify_key'), 'NOT_FOUND'],
      [U(`keyspaces/${apiId}/keys/*`, 'read_key'), 'NOT_FOUND'],
      [U('**', '*', otherWorkspace), 'NOT_FOUND'],
    ] as const) {
      const res = await t.call('keys.verifyKey', { key }, { rootKey: await t.rootKeyWith([grant]) });
      expect(res.status, grant).toBe(200);
      expect(res.body.data.code, grant).toBe(code);
    }
  });

  it('create (keyspace), read, update, reroll (keyspace) and delete a key', async () => {
    const rootKey = await t.rootKeyWith([
      U(`keyspaces/${apiId}`, 'create_key'),
      U(`keyspaces/${apiId}/keys/*`, 'read_key'),
      U(`keyspaces/${apiId}/keys/*`, 'update_key'),
      U(`keyspaces/${apiId}/keys/*`, 'delete_key'),
    ]);
    const created = await t.call('keys.createKey', { apiId, name: 'by urn' }, { rootKey });
    expect(created.status).toBe(200);
    const { keyId, key } = created.body.data;
    expect((await t.call('keys.getKey', { keyId }, { rootKey })).status).toBe(200);
    expect((await t.call('keys.whoami', { key }, { rootKey })).status).toBe(200);
    expect((await t.call('keys.updateKey', { keyId, name: 'renamed' }, { rootKey })).status).toBe(200);
    expect((await t.call('keys.updateCredits', { keyId, operation: 'set', value: 5 }, { rootKey })).status).toBe(200);
    expect((await t.call('keys.rerollKey', { keyId, expiration: 0 }, { rootKey })).status).toBe(200);
    expect((await t.call('keys.deleteKey', { keyId }, { rootKey })).status).toBe(200);
    // Another API's keyspace is not covered: masked as not found, as with tuples.
    expect((await t.call('keys.createKey', { apiId: await newApi(t) }, { rootKey })).status).toBe(404);
  });

  it('a refusal names the URN alternative, written out for the workspace', async () => {
    const { keyId } = await newKey(t, { apiId });
    const res = await t.call(
      'keys.getKey',
      { keyId },
      { rootKey: await t.rootKeyWith([U(`keyspaces/${apiId}/keys/${keyId}`, 'update_key')]) },
    );
    expect(res.status).toBe(403);
    expect(res.body.error.detail).toBe(
      `Missing one of these permissions: api.*.read_key or api.${apiId}.read_key or ${U(`keyspaces/${apiId}/keys/${keyId}`, 'read_key')}`,
    );
  });

  it('listKeys needs the pair: read_keyspace on the keyspace and read_key on every key of it', async () => {
    const both = await t.rootKeyWith([U(`keyspaces/${apiId}`, 'read_keyspace'), U(`keyspaces/${apiId}/keys/*`, 'read_key')]);
    expect((await t.call('apis.listKeys', { apiId }, { rootKey: both })).status).toBe(200);
    const mixed = await t.rootKeyWith(['api.*.read_api', U(`keyspaces/${apiId}/keys/*`, 'read_key')]);
    expect((await t.call('apis.listKeys', { apiId }, { rootKey: mixed })).status).toBe(200);
    const { keyId } = await newKey(t, { apiId });
    for (const permissions of [
      [U(`keyspaces/${apiId}`, 'read_keyspace')],
      [U(`keyspaces/${apiId}/keys/*`, 'read_key')],
      [U(`keyspaces/${apiId}`, 'read_keyspace'), U(`keyspaces/${apiId}/keys/${keyId}`, 'read_key')],
    ]) {
      expect((await t.call('apis.listKeys', { apiId }, { rootKey: await t.rootKeyWith(permissions) })).status).toBe(404);
    }
  });

  it('tuple-only checks ignore URN grants', async () => {
    const admin = await t.rootKeyWith([U('**', '*')]);
    expect((await t.call('apis.createApi', { name: 'urn admin' }, { rootKey: admin })).status).toBe(403);
    expect((await t.call('apis.getApi', { apiId }, { rootKey: admin })).status).toBe(403);
    expect((await t.call('audit.listLogs', {}, { rootKey: admin })).status).toBe(403);
    expect((await t.call('rootKeys.listRootKeys', {}, { rootKey: admin })).status).toBe(403);
  });
});

describe('URN grants on identities and overrides', () => {
  it('identities: the path upstream requires, projects/*/identities/*', async () => {
    const rootKey = await t.rootKeyWith(
      ['create_identity', 'read_identity', 'update_identity', 'delete_identity'].map((a) => U('projects/*/identities/*', a)),
    );
    const created = await t.call('identities.createIdentity', { externalId: 'urn_owner' }, { rootKey });
    expect(created.status).toBe(200);
    expect((await t.call('identities.getIdentity', { identity: 'urn_owner' }, { rootKey })).status).toBe(200);
    expect((await t.call('identities.listIdentities', {}, { rootKey })).status).toBe(200);
    expect((await t.call('identities.updateIdentity', { identity: 'urn_owner', meta: { a: 1 } }, { rootKey })).status).toBe(200);
    expect((await t.call('identities.deleteIdentity', { identity: 'urn_owner' }, { rootKey })).status).toBe(200);
    const narrow = await t.rootKeyWith([U('projects/p_1/identities/*', 'create_identity')]);
    expect((await t.call('identities.createIdentity', { externalId: 'refused' }, { rootKey: narrow })).status).toBe(403);
  });

  it('getOverride: a grant on the override found, or on every override of the namespace when none applies', async () => {
    await t.call('ratelimit.limit', { namespace: 'urn_ns', identifier: 'x', limit: 1, duration: 1000, cost: 0 });
    const set = await t.call('ratelimit.setOverride', { namespace: 'urn_ns', identifier: 'vip_*', limit: 10, duration: 1000 });
    const overrideId = set.body.data.overrideId;
    const nsId = (await t.server.store.findRatelimitNamespace(t.workspaceId, 'urn_ns'))!.id;
    const one = await t.rootKeyWith([U(`ratelimits/namespaces/${nsId}/overrides/${overrideId}`, 'read_override')]);
    expect(
      (await t.call('ratelimit.getOverride', { namespace: 'urn_ns', identifier: 'vip_1' }, { rootKey: one })).body.data.overrideId,
    ).toBe(overrideId);
    // No override applies: only a grant on every override may learn that; others see the namespace masked.
    expect((await t.call('ratelimit.getOverride', { namespace: 'urn_ns', identifier: 'plain' }, { rootKey: one })).body.error.type).toMatch(
      /ratelimit_namespace_not_found$/,
    );
    const all = await t.rootKeyWith([U('ratelimits/**', 'read_override')]);
    expect((await t.call('ratelimit.getOverride', { namespace: 'urn_ns', identifier: 'plain' }, { rootKey: all })).body.error.type).toMatch(
      /ratelimit_override_not_found$/,
    );
    const other = await t.rootKeyWith([U('ratelimits/namespaces/rlns_other/overrides/*', 'read_override')]);
    expect((await t.call('ratelimit.getOverride', { namespace: 'urn_ns', identifier: 'vip_1' }, { rootKey: other })).status).toBe(404);
  });
});
