import { describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, getKey, insertRole, newApi, newKey } from '../../../../test/key-fixtures.js';

const t = useTestServer();

const list = caller(t, 'apis.listKeys');

/** An API with `count` keys; their ids in list order. */
async function apiWithKeys(count: number): Promise<{ apiId: string; keyIds: string[] }> {
  const apiId = await newApi(t);
  const keyIds: string[] = [];
  for (let i = 0; i < count; i++) keyIds.push((await newKey(t, { apiId, name: `k${i}` })).keyId);
  return { apiId, keyIds: keyIds.sort() };
}

describe('apis.listKeys', () => {
  describe('200', () => {
    it('each item is the same KeyData getKey answers; one page has hasMore false and no cursor', async () => {
      const apiId = await newApi(t);
      const full = await newKey(t, {
        apiId,
        name: 'full',
        externalId: 'lister',
        meta: { a: 1 },
        credits: { remaining: 1 },
        permissions: ['p.read'],
      });
      const bare = await newKey(t, { apiId });
      const res = await list({ apiId });
      expect(res.status).toBe(200);
      expect(res.body.pagination).toEqual({ hasMore: false });
      const byId = [full.keyId, bare.keyId].sort();
      expect(res.body.data).toEqual([await getKey(t, byId[0]!), await getKey(t, byId[1]!)]);
    });

    it('keys with roles, permissions, limits, identities with limits and meta: each item is what getKey answers', async () => {
      const apiId = await newApi(t);
      await insertRole(t, 'lk_reader', ['lk.docs.read', 'lk.docs.list']);
      const identity = await t.call('identities.createIdentity', {
        externalId: 'lk_team',
        meta: { tier: 'gold' },
        ratelimits: [
          { name: 'team_b', limit: 5, duration: 60_000 },
          { name: 'team_a', limit: 50, duration: 1_000, autoApply: true },
        ],
      });
      expect(identity.status).toBe(200);
      const keyIds = [
        await newKey(t, {
          apiId,
          name: 'everything',
          externalId: 'lk_team',
          meta: { plan: 'pro', nested: { list: [1, 2] } },
          credits: { remaining: 10, refill: { interval: 'daily', amount: 10 } },
          permissions: ['lk.docs.read', 'lk.direct'],
          roles: ['lk_reader'],
          ratelimits: [
            { name: 'zeta', limit: 3, duration: 60_000 },
            { name: 'alpha', limit: 1, duration: 1_000, autoApply: true },
          ],
        }),
        await newKey(t, { apiId, externalId: 'lk_team', roles: ['lk_reader'], enabled: false }),
        await newKey(t, { apiId, externalId: 'lk_solo', permissions: ['lk.direct'] }),
        await newKey(t, { apiId, ratelimits: [{ name: 'only', limit: 2, duration: 60_000 }] }),
        await newKey(t, { apiId }),
      ]
        .map((k) => k.keyId)
        .sort();
      // Another API's key of the same identity, role and permissions is not listed.
      await newKey(t, { apiId: await newApi(t), externalId: 'lk_team', roles: ['lk_reader'], permissions: ['lk.elsewhere'] });
      const expected = await Promise.all(keyIds.map((keyId) => getKey(t, keyId)));
      expect(expected.find((k) => k.name === 'everything')).toMatchObject({
        roles: ['lk_reader'],
        permissions: ['lk.direct', 'lk.docs.list', 'lk.docs.read'],
        identity: { externalId: 'lk_team', ratelimits: [{ name: 'team_a' }, { name: 'team_b' }] },
        ratelimits: [{ name: 'alpha' }, { name: 'zeta' }],
      });
      expect((await list({ apiId })).body.data).toEqual(expected);
      const first = await list({ apiId, limit: 3 });
      const rest = await list({ apiId, limit: 3, cursor: first.body.pagination.cursor });
      expect([...first.body.data, ...rest.body.data]).toEqual(expected);
    });

    it('the page is, byte for byte, the getKey answers of its keys: every optional field set, and none', async () => {
      const apiId = await newApi(t);
      await insertRole(t, 'lb_role', ['lb.role.read']);
      const identity = await t.call('identities.createIdentity', {
        externalId: 'lb_team',
        meta: { tier: 'gold', 'q"uote': 'back\\slash\u2028', emoji: '\u{1F511}' },
        ratelimits: [{ name: 'team', limit: 5, duration: 60_000, autoApply: true }],
      });
      expect(identity.status).toBe(200);
      const full = await newKey(t, {
        apiId,
        name: 'every "field" \\ \u00e9',
        externalId: 'lb_team',
        meta: { plan: 'pro', n: 9007199254740991, f: 1.5, nested: { list: [1, 'two', null, true] } },
        expires: t.clock.now() + 86_400_000,
        credits: { remaining: 10, refill: { interval: 'monthly', amount: 20, refillDay: 3 } },
        permissions: ['lb.direct'],
        roles: ['lb_role'],
        ratelimits: [{ name: 'own', limit: 3, duration: 1_000 }],
      });
      // updatedAt and lastUsedAt set too.
      expect((await t.call('keys.updateKey', { keyId: full.keyId, enabled: false })).status).toBe(200);
      await t.call('keys.verifyKey', { key: full.key });
      const once = await newKey(t, { apiId, oneTime: true });
      await t.call('keys.verifyKey', { key: once.key });
      const bare = await newKey(t, { apiId });
      await t.server.runJobs?.();
      const raw = async (operation: string, body: unknown) => {
        const res = await t.server.app.inject({
          method: 'POST',
          url: `/v2/${operation}`,
          headers: { 'content-type': 'application/json', authorization: `Bearer ${t.rootKey}` },
          payload: JSON.stringify(body),
        });
        expect(res.statusCode).toBe(200);
        return res.body;
      };
      // The data member's text of an answer: what follows `"data":` up to the member after it (or the envelope's end).
      const dataText = (body: string, next: string) => body.slice(body.indexOf(',"data":') + 8, body.length - next.length - 1);
      const ids = [full.keyId, once.keyId, bare.keyId].sort();
      const items = await Promise.all(ids.map(async (keyId) => dataText(await raw('keys.getKey', { keyId }), '')));
      const page = await raw('apis.listKeys', { apiId });
      expect(dataText(page, ',"pagination":{"hasMore":false}')).toBe(`[${items.join(',')}]`);
      const parsed = JSON.parse(page).data;
      expect(parsed.find((k: { keyId: string }) => k.keyId === full.keyId)).toMatchObject({
        name: 'every "field" \\ \u00e9',
        enabled: false,
        updatedAt: expect.any(Number),
        lastUsedAt: expect.any(Number),
        expires: expect.any(Number),
        credits: { remaining: 10, refill: { interval: 'monthly', amount: 20, refillDay: 3 } },
        identity: { externalId: 'lb_team', ratelimits: [{ name: 'team' }] },
        permissions: ['lb.direct', 'lb.role.read'],
        roles: ['lb_role'],
        ratelimits: [{ name: 'own' }],
      });
      expect(parsed.find((k: { keyId: string }) => k.keyId === once.keyId)).toMatchObject({
        oneTime: true,
        consumedAt: expect.any(Number),
      });
      expect(Object.keys(parsed.find((k: { keyId: string }) => k.keyId === bare.keyId)).sort()).toEqual([
        'createdAt',
        'enabled',
        'keyId',
        'start',
      ]);
    });

    it('pages by id: a cursor only while there is a next page, every key exactly once', async () => {
      const { apiId, keyIds } = await apiWithKeys(5);
      const pages: any[] = [];
      let cursor: string | undefined;
      do {
        const res = await list({ apiId, limit: 2, ...(cursor ? { cursor } : {}) });
        expect(res.status).toBe(200);
        pages.push(res.body);
        cursor = res.body.pagination.cursor;
      } while (cursor);
      expect(pages.map((p) => p.pagination)).toEqual([
        { hasMore: true, cursor: expect.any(String) },
        { hasMore: true, cursor: expect.any(String) },
        { hasMore: false },
      ]);
      expect(pages.flatMap((p) => p.data.map((k: any) => k.keyId))).toEqual(keyIds);
    });

    it('a page that ends exactly at the last key has no cursor', async () => {
      const { apiId, keyIds } = await apiWithKeys(2);
      const res = await list({ apiId, limit: 2 });
      expect(res.body.pagination).toEqual({ hasMore: false });
      expect(res.body.data.map((k: any) => k.keyId)).toEqual(keyIds);
    });

    it("lists only this API's live keys", async () => {
      const { apiId, keyIds } = await apiWithKeys(3);
      await apiWithKeys(2);
      await t.call('keys.deleteKey', { keyId: keyIds[0] });
      await t.call('keys.deleteKey', { keyId: keyIds[1], permanent: true });
      expect((await list({ apiId })).body.data.map((k: any) => k.keyId)).toEqual([keyIds[2]]);
    });

    it("externalId keeps that identity's keys; an unknown one gives an empty last page", async () => {
      const apiId = await newApi(t);
      const mine = [
        (await newKey(t, { apiId, externalId: 'owner_a' })).keyId,
        (await newKey(t, { apiId, externalId: 'owner_a' })).keyId,
      ].sort();
      await newKey(t, { apiId, externalId: 'owner_b' });
      await newKey(t, { apiId });
      const res = await list({ apiId, externalId: 'owner_a' });
      expect(res.body.data.map((k: any) => k.keyId)).toEqual(mine);
      expect(res.body.data.every((k: any) => k.identity.externalId === 'owner_a')).toBe(true);
      expect((await list({ apiId, externalId: 'nobody' })).body).toEqual({
        meta: expect.anything(),
        data: [],
        pagination: { hasMore: false },
      });
    });

    it('search (Keyward): name contains it or start begins with it, ignoring case, trimmed, paged, with externalId', async () => {
      const apiId = await newApi(t);
      const invoices = (await newKey(t, { apiId, name: 'Invoices worker', prefix: 'inv', externalId: 'owner_s' })).keyId;
      const promo = (await newKey(t, { apiId, name: 'promo 100%_off', prefix: 'acme' })).keyId;
      const acme = (await newKey(t, { apiId, prefix: 'acme' })).keyId;
      await newKey(t, { apiId, name: 'reports', prefix: 'rep' });
      const ids = (res: any) => res.body.data.map((k: any) => k.keyId);

      expect(ids(await list({ apiId, search: 'INVOICES' }))).toEqual([invoices]);
      expect(ids(await list({ apiId, search: '  invoices\t' }))).toEqual([invoices]);
      expect(ids(await list({ apiId, search: 'ACME_' }))).toEqual([promo, acme].sort());
      expect(ids(await list({ apiId, search: '%_off' }))).toEqual([promo]);
      expect(ids(await list({ apiId, search: 'in%s' }))).toEqual([]);
      expect(ids(await list({ apiId, search: 'inv', externalId: 'owner_s' }))).toEqual([invoices]);
      expect(ids(await list({ apiId, search: 'acme', externalId: 'owner_s' }))).toEqual([]);
      // Blank: no filter.
      expect(ids(await list({ apiId, search: '   ' }))).toHaveLength(4);
      const first = await list({ apiId, search: 'acme', limit: 1 });
      expect(first.body.pagination).toEqual({ hasMore: true, cursor: expect.any(String) });
      const second = await list({ apiId, search: 'acme', limit: 1, cursor: first.body.pagination.cursor });
      expect([...ids(first), ...ids(second)]).toEqual([promo, acme].sort());
      expect(second.body.pagination).toEqual({ hasMore: false });
    });

    it('decrypt with decrypt_key: no vault, so keys come without plaintext', async () => {
      const { apiId, keyIds } = await apiWithKeys(1);
      const rootKey = await t.rootKeyWith(['api.*.read_key', 'api.*.read_api', `api.${apiId}.decrypt_key`]);
      const res = await list({ apiId, decrypt: true }, rootKey);
      expect(res.status).toBe(200);
      expect(res.body.data.map((k: any) => k.keyId)).toEqual(keyIds);
      expect(res.body.data[0]).not.toHaveProperty('plaintext');
    });

    it('the specific-id forms of both permissions are enough; reading writes no audit record', async () => {
      const { apiId, keyIds } = await apiWithKeys(1);
      const rootKey = await t.rootKeyWith([`api.${apiId}.read_key`, `api.${apiId}.read_api`]);
      const records = await auditCount(t);
      const res = await list({ apiId }, rootKey);
      expect(res.status).toBe(200);
      expect(res.body.data.map((k: any) => k.keyId)).toEqual(keyIds);
      expect(await auditCount(t)).toBe(records);
    });
  });

  describe('400', () => {
    it('schema violations', async () => {
      const apiId = await newApi(t);
      for (const body of [
        {},
        { apiId: '' },
        { apiId, limit: 0 },
        { apiId, limit: 101 },
        { apiId, limit: '5' },
        { apiId, cursor: '' },
        { apiId, externalId: '' },
        { apiId, search: 'x'.repeat(257) },
        { apiId, search: 5 },
        { apiId, decrypt: 1 },
        { apiId, extra: true },
      ]) {
        const res = await list(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.errors.length).toBeGreaterThan(0);
      }
    });
  });

  describe('403', () => {
    it('decrypt without decrypt_key', async () => {
      const apiId = await newApi(t);
      const res = await list({ apiId, decrypt: true }, await t.rootKeyWith(['api.*.read_key', 'api.*.read_api']));
      expect(res.status).toBe(403);
      expect(res.body.error.detail).toContain('decrypt_key');
    });
  });

  describe('404 (masked)', () => {
    it('without read_key and read_api both, the API looks missing', async () => {
      const { apiId } = await apiWithKeys(1);
      const missing = await list({ apiId: 'api_doesnotexist' });
      // Upstream's words, which do not echo the caller's id.
      expect(missing.body.error.detail).toBe('The specified API was not found.');
      for (const permissions of [
        ['api.*.read_key'],
        ['api.*.read_api'],
        [`api.${apiId}.read_key`, 'api.api_other.read_api'],
        ['api.*.create_key'],
      ]) {
        const res = await list({ apiId }, await t.rootKeyWith(permissions));
        expect(res.status, permissions.join()).toBe(404);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/api_not_found');
        expect(res.body.error.detail).toBe(missing.body.error.detail);
      }
    });
  });

  describe('404', () => {
    it("a random id and another workspace's API answer alike", async () => {
      const { apiId } = await apiWithKeys(1);
      const stranger = await t.newWorkspace();
      const missing = await list({ apiId: 'api_doesnotexist' }, stranger.rootKey);
      const foreign = await list({ apiId }, stranger.rootKey);
      expect(missing.status).toBe(404);
      expect(foreign.status).toBe(404);
      const strip = (body: any, id: string) => ({ ...body.error, detail: body.error.detail.replace(id, '<id>') });
      expect(strip(foreign.body, apiId)).toEqual(strip(missing.body, 'api_doesnotexist'));
    });

    it('a deleted API', async () => {
      const { apiId } = await apiWithKeys(1);
      await t.call('apis.deleteApi', { apiId });
      expect((await list({ apiId })).status).toBe(404);
    });
  });
});
