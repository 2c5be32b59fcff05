import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type CallResult, type TestServer } from '../../../../test/harness.js';
import { useTestServer } from '../../../../test/per-file-server.js';

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  apiId = (await t.call('apis.createApi', { name: 'verify tests' })).body.data.apiId;
});

async function createKey(body: Record<string, unknown> = {}, options: { rootKey?: string; apiId?: string } = {}) {
  const res = await t.call(
    'keys.createKey',
    { apiId: options.apiId ?? apiId, ...body },
    options.rootKey ? { rootKey: options.rootKey } : {},
  );
  expect(res.status).toBe(200);
  return res.body.data as { keyId: string; key: string };
}

const verify = (body: unknown, rootKey?: string): Promise<CallResult> =>
  t.call('keys.verifyKey', body, rootKey === undefined ? {} : { rootKey });

async function verifyData(body: Record<string, unknown>, rootKey?: string) {
  const res = await verify(body, rootKey);
  expect(res.status).toBe(200);
  expect(res.body.meta.requestId).toMatch(/^req_[A-Za-z0-9]+$/);
  return res.body.data;
}

const remaining = async (keyId: string) => (await t.server.store.findKey(t.workspaceId, keyId))?.remaining;

describe('keys.verifyKey: VALID', () => {
  it('a bare key carries exactly valid, code, keyId and enabled', async () => {
    const { keyId, key } = await createKey();
    expect(await verifyData({ key })).toEqual({ valid: true, code: 'VALID', keyId, enabled: true });
  });

  it('a fully described key carries every set field, and nothing internal (no hash, no start)', async () => {
    const expires = t.clock.now() + 3_600_000;
    const { keyId, key } = await createKey({
      name: 'acme',
      meta: { plan: 'pro', seats: 3 },
      expires,
      externalId: 'user_123',
      permissions: ['documents.read', 'documents.write'],
      credits: { remaining: 100 },
    });
    const data = await verifyData({ key, tags: ['path=/v1/x'] });
    expect(data).toEqual({
      valid: true,
      code: 'VALID',
      keyId,
      enabled: true,
      name: 'acme',
      meta: { plan: 'pro', seats: 3 },
      expires,
      credits: 99,
      permissions: ['documents.read', 'documents.write'],
      identity: { id: expect.stringMatching(/^id_/), externalId: 'user_123' },
    });
  });

  it('charges `credits.cost` (default 1) and reports what is left; unlimited keys are never charged', async () => {
    const { keyId, key } = await createKey({ credits: { remaining: 10 } });
    expect((await verifyData({ key })).credits).toBe(9);
    expect((await verifyData({ key, credits: { cost: 4 } })).credits).toBe(5);
    expect(await remaining(keyId)).toBe(5);

    const unlimited = await createKey();
    const data = await verifyData({ key: unlimited.key, credits: { cost: 1000 } });
    expect(data).toEqual({ valid: true, code: 'VALID', keyId: unlimited.keyId, enabled: true });
  });

  it('cost 0 with remaining 0 is VALID and reports 0 without charging', async () => {
    const { keyId, key } = await createKey({ credits: { remaining: 0 } });
    expect(await verifyData({ key, credits: { cost: 0 } })).toEqual({ valid: true, code: 'VALID', keyId, enabled: true, credits: 0 });
    expect(await remaining(keyId)).toBe(0);
  });

  it('a root key holding only api.<apiId>.verify_key may verify keys of that API', async () => {
    const { key } = await createKey();
    const scoped = await t.rootKeyWith([`api.${apiId}.verify_key`]);
    expect((await verifyData({ key }, scoped)).code).toBe('VALID');
  });
});

describe('keys.verifyKey: NOT_FOUND', () => {
  const withoutRequestId = (res: CallResult) => ({ ...res.body, meta: { ...res.body.meta, requestId: 'x' } });

  it('an unknown key answers only valid and code', async () => {
    const res = await verify({ key: 'definitely_not_a_key' });
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  it('a key of another workspace looks exactly like an unknown key', async () => {
    const other = await t.newWorkspace();
    const otherApi = (await t.call('apis.createApi', { name: 'theirs' }, { rootKey: other.rootKey })).body.data.apiId;
    const theirs = await createKey({ name: 'secret', credits: { remaining: 5 } }, { rootKey: other.rootKey, apiId: otherApi });
    // Their own root key sees it, so the key is live.
    expect((await verifyData({ key: theirs.key }, other.rootKey)).code).toBe('VALID');

    const foreign = await verify({ key: theirs.key, permissions: 'a AND' });
    const unknown = await verify({ key: `${theirs.key}x`, permissions: 'a AND' });
    expect(foreign.status).toBe(200);
    expect(withoutRequestId(foreign)).toEqual(withoutRequestId(unknown));
    expect(foreign.body.data).toEqual({ valid: false, code: 'NOT_FOUND' });
    // Nothing was charged by the foreign attempt.
    expect((await t.server.store.findKey(other.workspaceId, theirs.keyId))?.remaining).toBe(4);
  });

  it('a root key without verify permission for the API gets NOT_FOUND (masked), even with a malformed query', async () => {
    const { key } = await createKey();
    for (const permissions of [['api.*.read_key', 'api.*.create_key'], ['api.api_someotherapi.verify_key'], ['api.*.*']]) {
      const rootKey = await t.rootKeyWith(permissions);
      expect(await verifyData({ key }, rootKey)).toEqual({ valid: false, code: 'NOT_FOUND' });
      expect(await verifyData({ key, permissions: '(' }, rootKey)).toEqual({ valid: false, code: 'NOT_FOUND' });
    }
  });

  it('a key of a deleted API', async () => {
    const doomedApi = (await t.call('apis.createApi', { name: 'doomed' })).body.data.apiId;
    const { key } = await createKey({}, { apiId: doomedApi });
    expect((await verifyData({ key })).code).toBe('VALID');
    expect((await t.call('apis.deleteApi', { apiId: doomedApi })).status).toBe(200);
    expect(await verifyData({ key })).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  it('an unknown key with a malformed query is still NOT_FOUND (the query is parsed only for a key the caller may see)', async () => {
    expect(await verifyData({ key: 'nope_nope', permissions: 'AND (' })).toEqual({ valid: false, code: 'NOT_FOUND' });
  });
});

describe('keys.verifyKey: DISABLED', () => {
  it('carries the key fields and charges nothing', async () => {
    const { keyId, key } = await createKey({ enabled: false, name: 'off', credits: { remaining: 3 } });
    expect(await verifyData({ key })).toEqual({ valid: false, code: 'DISABLED', keyId, enabled: false, name: 'off', credits: 3 });
    expect(await remaining(keyId)).toBe(3);
  });

  it('is checked before expiry', async () => {
    const { key } = await createKey({ enabled: false, expires: t.clock.now() - 1 });
    expect((await verifyData({ key })).code).toBe('DISABLED');
  });
});

describe('keys.verifyKey: EXPIRED', () => {
  it('once the clock is past `expires` (and still valid at exactly `expires`)', async () => {
    const expires = t.clock.now() + 60_000;
    const { keyId, key } = await createKey({ expires, credits: { remaining: 10 } });
    expect((await verifyData({ key })).code).toBe('VALID');
    t.clock.set(expires);
    expect((await verifyData({ key })).code).toBe('VALID');
    t.clock.advance(1);
    expect(await verifyData({ key })).toEqual({ valid: false, code: 'EXPIRED', keyId, enabled: true, expires, credits: 8 });
    expect(await remaining(keyId)).toBe(8);
  });
});

describe('keys.verifyKey: INSUFFICIENT_PERMISSIONS', () => {
  it.each([
    ['documents.read', 'VALID'],
    ['documents.write', 'INSUFFICIENT_PERMISSIONS'],
    ['documents.read AND documents.write', 'INSUFFICIENT_PERMISSIONS'],
    ['documents.write OR documents.read', 'VALID'],
    ['documents.write or documents.read', 'VALID'],
    ['billing.*', 'VALID'],
    ['billing.read', 'INSUFFICIENT_PERMISSIONS'],
    ['documents.*', 'INSUFFICIENT_PERMISSIONS'],
    ['documents.write AND billing.read OR documents.read', 'VALID'],
    ['documents.write AND (billing.read OR documents.read)', 'INSUFFICIENT_PERMISSIONS'],
    ['(documents.write OR billing.*) AND documents.read', 'VALID'],
  ])('%s -> %s (exact slugs; `*` is literal)', async (query, code) => {
    const { keyId, key } = await createKey({ permissions: ['documents.read', 'billing.*'], credits: { remaining: 5 } });
    const data = await verifyData({ key, permissions: query });
    expect(data.code).toBe(code);
    expect(data.valid).toBe(code === 'VALID');
    expect(data.permissions).toEqual(['billing.*', 'documents.read']);
    // A refused call is not charged.
    expect(data.credits).toBe(code === 'VALID' ? 4 : 5);
    expect(await remaining(keyId)).toBe(code === 'VALID' ? 4 : 5);
  });

  it('a key with no permissions fails any query', async () => {
    const { key } = await createKey();
    expect((await verifyData({ key, permissions: 'anything' })).code).toBe('INSUFFICIENT_PERMISSIONS');
  });
});

describe('keys.verifyKey: USAGE_EXCEEDED', () => {
  it('when the balance is below the cost: the untouched balance as credits (upstream: remaining 5, cost 15 -> credits 5), nothing charged', async () => {
    const { keyId, key } = await createKey({ credits: { remaining: 5 } });
    expect(await verifyData({ key, credits: { cost: 15 } })).toEqual({
      valid: false,
      code: 'USAGE_EXCEEDED',
      keyId,
      enabled: true,
      credits: 5,
    });
    expect(await verifyData({ key, credits: { cost: 3 } })).toMatchObject({ code: 'VALID', credits: 2 });
    expect((await verifyData({ key })).credits).toBe(1);
    expect(await verifyData({ key, credits: { cost: 2 } })).toEqual({
      valid: false,
      code: 'USAGE_EXCEEDED',
      keyId,
      enabled: true,
      credits: 1,
    });
    expect(await remaining(keyId)).toBe(1);
    expect(await verifyData({ key })).toEqual({ valid: true, code: 'VALID', keyId, enabled: true, credits: 0 });
    expect(await verifyData({ key })).toEqual({ valid: false, code: 'USAGE_EXCEEDED', keyId, enabled: true, credits: 0 });
    expect(await remaining(keyId)).toBe(0);
  });
});

describe('keys.verifyKey: RATE_LIMITED', () => {
  const limitOf = (name: string, limit: number, autoApply: boolean) => ({ name, limit, duration: 60_000, autoApply });

  it('an exhausted autoApply limit: 200 RATE_LIMITED with the key fields and every evaluated limit, no credits spent', async () => {
    const { keyId, key } = await createKey({ name: 'limited', credits: { remaining: 5 }, ratelimits: [limitOf('requests', 1, true)] });
    const first = await verifyData({ key });
    expect(first).toMatchObject({ valid: true, code: 'VALID', credits: 4 });
    const refused = await verifyData({ key, ratelimits: [{ name: 'burst', limit: 10, duration: 1000 }] });
    expect(refused).toEqual({
      valid: false,
      code: 'RATE_LIMITED',
      keyId,
      enabled: true,
      name: 'limited',
      credits: 4,
      ratelimits: [
        {
          exceeded: true,
          id: first.ratelimits[0].id,
          name: 'requests',
          limit: 1,
          duration: 60_000,
          reset: first.ratelimits[0].reset,
          remaining: 0,
          autoApply: true,
        },
        // Not exceeded, and not charged by this refused call (upstream): all 10 left.
        { exceeded: false, id: '', name: 'burst', limit: 10, duration: 1000, reset: expect.any(Number), remaining: 10, autoApply: false },
      ],
    });
    expect(first.ratelimits[0].id).toMatch(/^rl_/);
    expect(await remaining(keyId)).toBe(4);
  });

  it('a limit shared through an identity holds across its keys', async () => {
    const externalId = `rl_shared_${Date.now()}`;
    expect((await t.call('identities.createIdentity', { externalId, ratelimits: [limitOf('org', 2, true)] })).status).toBe(200);
    const a = await createKey({ externalId });
    const b = await createKey({ externalId });
    expect((await verifyData({ key: a.key })).code).toBe('VALID');
    expect((await verifyData({ key: b.key })).code).toBe('VALID');
    expect((await verifyData({ key: a.key })).code).toBe('RATE_LIMITED');
    expect((await verifyData({ key: b.key })).code).toBe('RATE_LIMITED');
  });

  it('a key without limits whose request names none carries no `ratelimits`', async () => {
    const { keyId, key } = await createKey();
    expect(await verifyData({ key, ratelimits: [] })).toEqual({ valid: true, code: 'VALID', keyId, enabled: true });
  });
});

describe('keys.verifyKey: 412', () => {
  it('a named rate limit the key does not have is a real HTTP 412 (precondition_failed)', async () => {
    const { keyId, key } = await createKey({ credits: { remaining: 3 } });
    const res = await verify({ key, ratelimits: [{ name: 'missing_limit', cost: 1 }] });
    expect(res.status).toBe(412);
    expect(res.body.meta.requestId).toMatch(/^req_/);
    expect(res.body.error).toEqual({
      title: 'Precondition Failed',
      status: 412,
      type: 'https://unkey.com/docs/errors/unkey/application/precondition_failed',
      detail: `ratelimit 'missing_limit' was requested but does not exist for key '${keyId}' and there is no identity connected.`,
    });
    expect(JSON.stringify(res.body)).not.toContain(key);
    expect(await remaining(keyId)).toBe(3);
  });
});

describe('keys.verifyKey: 400', () => {
  it('a malformed permissions query, even for a disabled or expired key; the key never appears in the error', async () => {
    const live = await createKey({ permissions: ['a'] });
    const disabled = await createKey({ enabled: false });
    const expired = await createKey({ expires: t.clock.now() - 1 });
    for (const { key } of [live, disabled, expired]) {
      const res = await verify({ key, permissions: 'a AND ()' });
      expect(res.status).toBe(400);
      expect(res.body.error).toEqual({
        title: 'Bad Request',
        status: 400,
        errors: [],
        type: 'https://unkey.com/docs/errors/user/bad_request/permissions_query_syntax_error',
        detail: 'Empty parentheses found at position 7. Parentheses must contain at least one permission or expression.',
      });
      expect(JSON.stringify(res.body)).not.toContain(key);
    }
    expect((await verify({ key: live.key, permissions: 'a OR' })).body.error.detail).toBe(
      'Unexpected end of query. Expected a permission identifier or opening parenthesis.',
    );
  });

  it.each([
    ['no key', {}],
    ['empty key', { key: '' }],
    ['key too long', { key: 'k'.repeat(513) }],
    ['unknown field', { key: 'abc', apiId: 'api_123' }],
    ['empty permissions', { key: 'abc', permissions: '' }],
    ['permissions too long', { key: 'abc', permissions: 'a'.repeat(1001) }],
    ['negative cost', { key: 'abc', credits: { cost: -1 } }],
    ['fractional cost', { key: 'abc', credits: { cost: 1.5 } }],
    ['cost as a string', { key: 'abc', credits: { cost: '1' } }],
    ['credits without cost', { key: 'abc', credits: {} }],
    ['too many tags', { key: 'abc', tags: Array.from({ length: 21 }, (_, i) => `t${i}`) }],
    ['ratelimit name too short', { key: 'abc', ratelimits: [{ name: 'ab' }] }],
    ['ratelimit duration negative', { key: 'abc', ratelimits: [{ name: 'abc', limit: 1, duration: -1 }] }],
    ['more than 100 ratelimits', { key: 'abc', ratelimits: Array.from({ length: 101 }, (_, i) => ({ name: `abc${i}` })) }],
    ['migrationId too long', { key: 'abc', migrationId: 'm'.repeat(257) }],
    ['ratelimit with an unknown field', { key: 'abc', ratelimits: [{ name: 'abc', window: 1000 }] }],
    ['not JSON', '{"key": '],
  ])('schema violation: %s', async (_name, body) => {
    const res = await verify(body);
    expect(res.status).toBe(400);
    expect(res.body.error.status).toBe(400);
    expect(Array.isArray(res.body.error.errors)).toBe(true);
  });
});

describe('keys.verifyKey: 401 and auth errors', () => {
  it('401 for an unknown root key, and a normal key is not a root key', async () => {
    const { key } = await createKey();
    for (const rootKey of ['kw_root_notarealkey', key]) {
      const res = await verify({ key }, rootKey);
      expect(res.status).toBe(401);
      expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/authentication/key_not_found');
      expect(JSON.stringify(res.body)).not.toContain(key);
    }
  });

  it('400 without an Authorization header', async () => {
    const res = await t.call('keys.verifyKey', { key: 'abc' }, { rootKey: null });
    expect(res.status).toBe(400);
  });
});

describe('keys.verifyKey: lifecycle changes are seen on the very next verify', () => {
  it('disabling through keys.updateKey', async () => {
    const { keyId, key } = await createKey();
    expect((await verifyData({ key })).code).toBe('VALID');
    expect((await t.call('keys.updateKey', { keyId, enabled: false })).status).toBe(200);
    expect(await verifyData({ key })).toEqual({ valid: false, code: 'DISABLED', keyId, enabled: false });
    expect((await t.call('keys.updateKey', { keyId, enabled: true })).status).toBe(200);
    expect((await verifyData({ key })).code).toBe('VALID');
  });

  it.each([false, true])('deleting through keys.deleteKey (permanent: %s)', async (permanent) => {
    const { keyId, key } = await createKey({ credits: { remaining: 5 } });
    expect((await verifyData({ key })).code).toBe('VALID');
    expect((await t.call('keys.deleteKey', { keyId, permanent })).status).toBe(200);
    expect(await verifyData({ key })).toEqual({ valid: false, code: 'NOT_FOUND' });
  });

  it('changing permissions and expiry through keys.updateKey', async () => {
    const { keyId, key } = await createKey({ permissions: ['a'] });
    expect((await verifyData({ key, permissions: 'b' })).code).toBe('INSUFFICIENT_PERMISSIONS');
    expect((await t.call('keys.updateKey', { keyId, permissions: ['b'] })).status).toBe(200);
    expect((await verifyData({ key, permissions: 'b' })).code).toBe('VALID');
    expect((await t.call('keys.updateKey', { keyId, expires: t.clock.now() - 1 })).status).toBe(200);
    expect((await verifyData({ key })).code).toBe('EXPIRED');
  });
});

describe('keys.verifyKey: FORBIDDEN (the API IP whitelist)', () => {
  // Verifications reach the server over a real socket from 127.0.0.1 (the harness's transport).
  async function fencedApi(ipWhitelist: string[] | null): Promise<string> {
    const id = (await t.call('apis.createApi', { name: 'fenced api' })).body.data.apiId as string;
    if (ipWhitelist !== null) expect((await t.call('apiSettings.updateSettings', { apiId: id, ipWhitelist })).status).toBe(200);
    return id;
  }
  const limitOf = (name: string, limit: number) => ({ name, limit, duration: 60_000, autoApply: true });

  it('a client off the whitelist: 200 FORBIDDEN with the key fields; no credit spent, no rate limit counted', async () => {
    const fenced = await fencedApi(['10.0.0.0/8']);
    const { keyId, key } = await createKey(
      { name: 'fenced', credits: { remaining: 5 }, ratelimits: [limitOf('requests', 1)] },
      { apiId: fenced },
    );
    expect(await verifyData({ key })).toEqual({ valid: false, code: 'FORBIDDEN', keyId, enabled: true, name: 'fenced', credits: 5 });
    expect(await verifyData({ key, credits: { cost: 2 }, ratelimits: [{ name: 'burst', limit: 1, duration: 60_000 }] })).toMatchObject({
      valid: false,
      code: 'FORBIDDEN',
      credits: 5,
    });
    expect(await remaining(keyId)).toBe(5);

    // Once the whitelist is gone, the autoApply limit of 1 still has its one request: nothing was counted.
    expect((await t.call('apiSettings.updateSettings', { apiId: fenced, ipWhitelist: null })).status).toBe(200);
    const allowed = await verifyData({ key });
    expect(allowed).toMatchObject({ valid: true, code: 'VALID', credits: 4 });
    expect(allowed.ratelimits[0]).toMatchObject({ name: 'requests', exceeded: false, remaining: 0 });
  });

  it('is checked after DISABLED and EXPIRED, after the query parse (400), and before the permission query', async () => {
    const fenced = await fencedApi(['10.0.0.0/8']);
    expect((await verifyData({ key: (await createKey({ enabled: false }, { apiId: fenced })).key })).code).toBe('DISABLED');
    const expiring = await createKey({ expires: t.clock.now() + 1000 }, { apiId: fenced });
    expect((await verifyData({ key: expiring.key })).code).toBe('FORBIDDEN');
    expect((await t.call('keys.updateKey', { keyId: expiring.keyId, expires: t.clock.now() - 1 })).status).toBe(200);
    expect((await verifyData({ key: expiring.key })).code).toBe('EXPIRED');
    const { key } = await createKey({ permissions: ['a'] }, { apiId: fenced });
    expect((await verify({ key, permissions: 'a AND (' })).status).toBe(400);
    expect((await verifyData({ key, permissions: 'b' })).code).toBe('FORBIDDEN');
  });

  it.each([['127.0.0.1'], ['127.0.0.0/8'], ['10.0.0.0/8', '127.0.0.1'], ['::1', '127.0.0.0/24']])(
    'a client on the whitelist %j is VALID',
    async (...list) => {
      const fenced = await fencedApi(list);
      const { keyId, key } = await createKey({}, { apiId: fenced });
      expect(await verifyData({ key })).toEqual({ valid: true, code: 'VALID', keyId, enabled: true });
    },
  );

  it('a verification cached before the setting changes sees it on the very next call', async () => {
    const fenced = await fencedApi(null);
    const { key } = await createKey({}, { apiId: fenced });
    expect((await verifyData({ key })).code).toBe('VALID');
    expect((await t.call('apiSettings.updateSettings', { apiId: fenced, ipWhitelist: ['10.0.0.0/8'] })).status).toBe(200);
    expect((await verifyData({ key })).code).toBe('FORBIDDEN');
    expect((await t.call('apiSettings.updateSettings', { apiId: fenced, ipWhitelist: ['127.0.0.1/32'] })).status).toBe(200);
    expect((await verifyData({ key })).code).toBe('VALID');
    expect((await t.call('apiSettings.updateSettings', { apiId: fenced, ipWhitelist: ['192.168.0.1'] })).status).toBe(200);
    expect((await verifyData({ key })).code).toBe('FORBIDDEN');
    expect((await t.call('apiSettings.updateSettings', { apiId: fenced, ipWhitelist: null })).status).toBe(200);
    expect((await verifyData({ key })).code).toBe('VALID');
  });

  it('without KEYWARD_TRUST_PROXY, X-Forwarded-For is ignored: it can be forged', async () => {
    const fenced = await fencedApi(['10.0.0.0/8']);
    const { key } = await createKey({}, { apiId: fenced });
    const res = await t.call('keys.verifyKey', { key }, { headers: { 'x-forwarded-for': '10.1.2.3' } });
    expect(res.body.data.code).toBe('FORBIDDEN');
  });
});

describe('keys.verifyKey: FORBIDDEN with KEYWARD_TRUST_PROXY=true', () => {
  let proxied: TestServer;
  let key: string;
  beforeAll(async () => {
    proxied = await startTestServer({ env: { KEYWARD_TRUST_PROXY: 'true' } });
    const fenced = (await proxied.call('apis.createApi', { name: 'behind a proxy' })).body.data.apiId;
    expect((await proxied.call('apiSettings.updateSettings', { apiId: fenced, ipWhitelist: ['10.0.0.0/8', '2001:db8::/32'] })).status).toBe(
      200,
    );
    key = (await proxied.call('keys.createKey', { apiId: fenced })).body.data.key;
  });
  afterAll(async () => {
    await proxied.close();
  });

  const codeFor = async (forwardedFor?: string, transport: 'http' | 'inject' = 'http') => {
    const headers: Record<string, string> = forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor };
    if (transport === 'inject') {
      const res = await proxied.server.app.inject({
        method: 'POST',
        url: '/v2/keys.verifyKey',
        payload: { key },
        headers: { authorization: `Bearer ${proxied.rootKey}`, 'content-type': 'application/json', ...headers },
      });
      return JSON.parse(res.body).data.code as string;
    }
    return (await proxied.call('keys.verifyKey', { key }, { headers })).body.data.code as string;
  };

  it.each(['http', 'inject'] as const)('the first X-Forwarded-For entry is the client (%s)', async (transport) => {
    expect(await codeFor('10.1.2.3', transport)).toBe('VALID');
    expect(await codeFor(' 10.1.2.3 , 192.168.0.1', transport)).toBe('VALID');
    expect(await codeFor('::ffff:10.9.9.9', transport)).toBe('VALID');
    expect(await codeFor('2001:db8::7', transport)).toBe('VALID');
    expect(await codeFor('192.168.0.1, 10.1.2.3', transport)).toBe('FORBIDDEN');
    expect(await codeFor('not-an-ip', transport)).toBe('FORBIDDEN');
    // No header: the socket's address, 127.0.0.1, which the whitelist leaves out.
    expect(await codeFor(undefined, transport)).toBe('FORBIDDEN');
  });
});

describe('keys.verifyKey: an IP whitelist behind a proxy (KEYWARD_TRUST_PROXY as a list of trusted proxies)', () => {
  // Upstream takes the client from X-Forwarded-For whoever sends it. Keyward reads it only from a listed proxy's
  // connection (the harness connects from 127.0.0.1), and warns when a whitelist sees an untrusted proxy instead.
  const servers: TestServer[] = [];
  async function behind(trustProxy: string): Promise<{ server: TestServer; key: string; logs: string[] }> {
    const logs: string[] = [];
    const server = await startTestServer({
      env: { KEYWARD_TRUST_PROXY: trustProxy, KEYWARD_LOG_LEVEL: 'warn' },
      logStream: { write: (line) => void logs.push(line) },
    });
    servers.push(server);
    const apiId = (await server.call('apis.createApi', { name: 'behind a load balancer' })).body.data.apiId;
    expect((await server.call('apiSettings.updateSettings', { apiId, ipWhitelist: ['203.0.113.0/24'] })).status).toBe(200);
    return { server, key: (await server.call('keys.createKey', { apiId })).body.data.key, logs };
  }
  afterAll(async () => {
    for (const server of servers) await server.close();
  });
  const codeFor = async (server: TestServer, key: string, forwardedFor?: string) =>
    (await server.call('keys.verifyKey', { key }, { headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor } })).body
      .data.code as string;
  const warnings = (logs: string[]) => logs.filter((line) => line.includes('KEYWARD_TRUST_PROXY'));

  it('a trusted peer: the right-most X-Forwarded-For entry that is not a trusted proxy is the client', async () => {
    const { server, key, logs } = await behind('127.0.0.1, ::1, 10.0.0.0/8');
    expect(await codeFor(server, key, '203.0.113.9')).toBe('VALID');
    expect(await codeFor(server, key, '203.0.113.9, 10.0.0.4')).toBe('VALID');
    // A client cannot put itself on the whitelist by prepending an entry: the proxy appended the real address.
    expect(await codeFor(server, key, '203.0.113.9, 198.51.100.1')).toBe('FORBIDDEN');
    expect(await codeFor(server, key)).toBe('FORBIDDEN');
    expect(warnings(logs)).toEqual([]);
  });

  it('an untrusted peer: X-Forwarded-For ignored (FORBIDDEN), and one warning naming KEYWARD_TRUST_PROXY, again after an hour', async () => {
    const { server, key, logs } = await behind('10.0.0.0/8');
    expect(await codeFor(server, key)).toBe('FORBIDDEN');
    expect(warnings(logs)).toEqual([]);
    expect(await codeFor(server, key, '203.0.113.9')).toBe('FORBIDDEN');
    expect(await codeFor(server, key, '203.0.113.9')).toBe('FORBIDDEN');
    expect(warnings(logs)).toHaveLength(1);
    const line = JSON.parse(warnings(logs)[0]!);
    expect(line).toMatchObject({ level: expect.anything(), apiId: expect.stringMatching(/^api_/) });
    expect(line.msg).toContain('X-Forwarded-For');
    expect(JSON.stringify(line)).not.toContain(key);
    server.clock.advance(60 * 60 * 1000);
    expect(await codeFor(server, key, '203.0.113.9')).toBe('FORBIDDEN');
    expect(warnings(logs)).toHaveLength(2);
  });

  it('without KEYWARD_TRUST_PROXY the same warning; an API without a whitelist never warns', async () => {
    const { server, key, logs } = await behind('false');
    expect(await codeFor(server, key, '203.0.113.9')).toBe('FORBIDDEN');
    expect(warnings(logs)).toHaveLength(1);
    const open = (await server.call('apis.createApi', { name: 'no whitelist' })).body.data.apiId;
    const other = (await server.call('keys.createKey', { apiId: open })).body.data.key;
    server.clock.advance(2 * 60 * 60 * 1000);
    expect(await codeFor(server, other, '203.0.113.9')).toBe('VALID');
    expect(warnings(logs)).toHaveLength(1);
  });
});
