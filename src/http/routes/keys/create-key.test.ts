import { beforeAll, describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditCount, auditEvents, getKey, insertRole, newApi, newKey } from '../../../../test/key-fixtures.js';
import { verifyAuditChain } from '../../../services/audit-chain.js';

const t = useTestServer();
let apiId: string;
beforeAll(async () => {
  // Unkey's key format, which these cases check (checksummed keys: verify-checksum.test.ts).
  apiId = await newApi(t, t.rootKey, { keyFormat: 'base58' });
});

const create = caller(t, 'keys.createKey');
const keyCount = async (id = apiId) => (await t.call('apis.listKeys', { apiId: id })).body.data.length;

const ALPHABET = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
/** How many bytes a base58 string encodes (leading '1's are zero bytes). */
function base58ByteLength(text: string): number {
  let value = 0n;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) throw new Error(`not base58: ${char}`);
    value = value * 58n + BigInt(digit);
  }
  const zeros = text.length - text.replace(/^1+/, '').length;
  return zeros + (value === 0n ? 0 : Math.ceil(value.toString(16).length / 2));
}

describe('keys.createKey', () => {
  describe('200', () => {
    it('with every field: answers only {keyId, key}, getKey shows them all, one audit record', async () => {
      await insertRole(t, 'create_role', ['role.slug']);
      const expires = t.clock.now() + 86_400_000;
      const res = await create({
        apiId,
        prefix: 'sk_live',
        name: 'acme',
        byteLength: 32,
        externalId: 'org.acme-1',
        meta: { plan: 'pro', seats: 3 },
        roles: ['create_role'],
        permissions: ['docs.read', 'docs.*'],
        expires,
        enabled: false,
        recoverable: false,
        credits: { remaining: 100, refill: { interval: 'monthly', amount: 100, refillDay: 31 } },
        ratelimits: [
          { name: 'per_second', limit: 5, duration: 1000, autoApply: true },
          { name: 'per_day', limit: 1000, duration: 86_400_000, autoApply: false },
        ],
      });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({
        meta: { requestId: expect.stringMatching(/^req_/) },
        data: { keyId: expect.stringMatching(/^key_[0-9a-z]+$/), key: expect.any(String) },
      });
      const { keyId, key } = res.body.data;
      expect(key).toMatch(/^sk_live_[1-9A-HJ-NP-Za-km-z]+$/);
      expect(base58ByteLength(key.slice('sk_live_'.length))).toBe(32);
      expect(await getKey(t, keyId)).toEqual({
        keyId,
        start: key.slice(0, 'sk_live_'.length + 4),
        enabled: false,
        createdAt: t.clock.now(),
        name: 'acme',
        meta: { plan: 'pro', seats: 3 },
        expires,
        permissions: ['docs.*', 'docs.read', 'role.slug'],
        roles: ['create_role'],
        credits: { remaining: 100, refill: { interval: 'monthly', amount: 100, refillDay: 31 } },
        identity: { id: expect.stringMatching(/^id_/), externalId: 'org.acme-1' },
        ratelimits: [
          { id: expect.stringMatching(/^rl_/), name: 'per_day', limit: 1000, duration: 86_400_000, autoApply: false },
          { id: expect.stringMatching(/^rl_/), name: 'per_second', limit: 5, duration: 1000, autoApply: true },
        ],
      });
      expect(await auditEvents(t, keyId)).toEqual(['key.create']);
      const [record] = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: keyId, limit: 10 });
      expect(JSON.stringify(record)).not.toContain(key);
    });

    it('defaults: no prefix, 16 bytes of base58, enabled, unlimited; the start is the first 4 characters', async () => {
      for (let i = 0; i < 5; i++) {
        const { keyId, key } = await newKey(t, { apiId });
        expect(key).toMatch(/^[1-9A-HJ-NP-Za-km-z]+$/);
        expect(base58ByteLength(key)).toBe(16);
        expect(await getKey(t, keyId)).toEqual({ keyId, start: key.slice(0, 4), enabled: true, createdAt: t.clock.now() });
      }
    });

    it('the key verifies and is found by whoami; credits.remaining null means unlimited', async () => {
      const { keyId, key } = await newKey(t, { apiId, credits: { remaining: null } });
      expect((await t.call('keys.verifyKey', { key })).body.data).toMatchObject({ valid: true, keyId });
      expect((await t.call('keys.whoami', { key })).body.data.keyId).toBe(keyId);
      expect(await getKey(t, keyId)).not.toHaveProperty('credits');
    });

    it('externalId creates an identity once; a second key with the same externalId shares it', async () => {
      const first = await newKey(t, { apiId, externalId: 'shared_owner' });
      const second = await newKey(t, { apiId: await newApi(t), externalId: 'shared_owner' });
      const identity = (await getKey(t, first.keyId)).identity;
      expect(identity).toEqual({ id: expect.stringMatching(/^id_/), externalId: 'shared_owner' });
      expect((await getKey(t, second.keyId)).identity).toEqual(identity);
    });

    it('the specific-id create_key permission is enough', async () => {
      const res = await create({ apiId }, await t.rootKeyWith([`api.${apiId}.create_key`]));
      expect(res.status).toBe(200);
    });
  });

  describe('concurrent', () => {
    it('creations arriving together all succeed, each audited once in an intact chain; failing ones fail alone', async () => {
      // They commit together, a savepoint each (docs/decisions/0032); a failing one must not take the others down.
      const ws = await t.newWorkspace();
      const wsApi = await newApi(t, ws.rootKey);
      const bodies = Array.from({ length: 40 }, (_, i) =>
        i % 7 === 3
          ? { apiId: 'api_doesnotexist' }
          : { apiId: wsApi, name: `together ${i}`, ...(i % 2 === 0 ? { externalId: 'org.shared' } : {}) },
      );
      const answers = await Promise.all(bodies.map((body) => create(body, ws.rootKey)));
      const failing = bodies.flatMap((body, i) => (body.apiId === 'api_doesnotexist' ? [i] : []));
      expect(answers.map((res) => res.status)).toEqual(bodies.map((_, i) => (failing.includes(i) ? 404 : 200)));
      const created = answers.flatMap((res) => (res.status === 200 ? [res.body.data.keyId as string] : []));
      const listed = await t.call('apis.listKeys', { apiId: wsApi }, { rootKey: ws.rootKey });
      expect(listed.body.data.map((k: { keyId: string }) => k.keyId).sort()).toEqual([...created].sort());

      const records = await t.server.store.listAudit({ workspaceId: ws.workspaceId, limit: 1000 });
      const creations = records.filter((r) => r.event === 'key.create');
      expect(creations.map((r) => r.resources.find((resource) => resource.type === 'key')!.id).sort()).toEqual([...created].sort());
      const chain = await verifyAuditChain(t.server.store, ws.workspaceId);
      expect(chain.broken).toBeUndefined();
      expect(chain.checked).toBe(records.length);
      // Every key whose body named the identity has it.
      for (const [i, res] of answers.entries()) {
        if (res.status !== 200) continue;
        const key = await getKey(t, res.body.data.keyId, ws.rootKey);
        expect(key.identity?.externalId).toBe(i % 2 === 0 ? 'org.shared' : undefined);
      }
    });
  });

  describe('400', () => {
    it('schema violations', async () => {
      for (const body of [
        {},
        { apiId: 'ab' },
        { apiId, prefix: 'has-dash' },
        { apiId, prefix: 'p'.repeat(17) },
        { apiId, byteLength: 15 },
        { apiId, byteLength: 256 },
        { apiId, name: '' },
        { apiId, externalId: 'a\nb' },
        { apiId, meta: 'text' },
        { apiId, permissions: ['no spaces'] },
        { apiId, expires: 4102444800001 },
        { apiId, credits: { refill: null } },
        { apiId, credits: { remaining: -1 } },
        { apiId, credits: { remaining: 1, refill: { interval: 'weekly', amount: 1 } } },
        { apiId, ratelimits: [{ name: 'ok_name', limit: 1, duration: 999 }] },
        { apiId, ratelimits: [{ name: 'ab', limit: 1, duration: 1000 }] },
        { apiId, enabled: 'true' },
        { apiId, unknown: 1 },
      ]) {
        const res = await create(body);
        expect(res.status, JSON.stringify(body)).toBe(400);
        expect(res.body.error.errors.length).toBeGreaterThan(0);
      }
    });

    it('semantic errors create nothing', async () => {
      const records = await auditCount(t);
      const keys = await keyCount();
      for (const [body, detail] of [
        [
          { credits: { remaining: 5, refill: { interval: 'monthly', amount: 5 } } },
          '`refillDay` must be provided when the refill interval is `monthly`.',
        ],
        [{ credits: { remaining: null, refill: { interval: 'daily', amount: 5 } } }, 'credits.remaining'],
        [
          {
            ratelimits: [
              { name: 'same', limit: 1, duration: 1000 },
              { name: 'same', limit: 2, duration: 1000 },
            ],
          },
          'same',
        ],
      ] as const) {
        const res = await create({ apiId, ...body });
        expect(res.status).toBe(400);
        expect(res.body.error.errors).toEqual([]);
        expect(res.body.error.detail).toContain(detail);
      }
      expect(await auditCount(t)).toBe(records);
      expect(await keyCount()).toBe(keys);
    });
  });

  describe('404 (masked)', () => {
    it('without create_key, or recoverable without encrypt_key, the API looks missing', async () => {
      const missing = await create({ apiId: 'api_doesnotexist' });
      const cases: [string[], Record<string, unknown>][] = [
        [['api.*.read_key', 'api.*.read_api'], {}],
        [['api.api_other.create_key'], {}],
        [[`api.${apiId}.create_key`], { recoverable: true }],
      ];
      for (const [permissions, extra] of cases) {
        const rootKey = await t.rootKeyWith(permissions);
        const records = await auditCount(t);
        const res = await create({ apiId, ...extra }, rootKey);
        expect(res.status).toBe(404);
        expect(res.body.error).toEqual({ ...missing.body.error, detail: missing.body.error.detail.replace('api_doesnotexist', apiId) });
        expect(await auditCount(t)).toBe(records);
      }
    });
  });

  describe('404', () => {
    it("a random API and another workspace's API answer alike", async () => {
      const stranger = await t.newWorkspace();
      const missing = await create({ apiId: 'api_doesnotexist' }, stranger.rootKey);
      const foreign = await create({ apiId }, stranger.rootKey);
      expect(missing.status).toBe(404);
      expect(missing.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/api_not_found');
      expect({ ...foreign.body.error, detail: foreign.body.error.detail.replace(apiId, '<id>') }).toEqual({
        ...missing.body.error,
        detail: missing.body.error.detail.replace('api_doesnotexist', '<id>'),
      });
    });

    it('an unknown role creates nothing, not even the identity or permissions', async () => {
      const records = await auditCount(t);
      const keys = await keyCount();
      const res = await create({ apiId, externalId: 'never_made', permissions: ['never.made'], roles: ['no_such_role'] });
      expect(res.status).toBe(404);
      expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/role_not_found');
      expect(res.body.error.detail).toBe("Role 'no_such_role' was not found.");
      expect(await auditCount(t)).toBe(records);
      expect(await keyCount()).toBe(keys);
      expect(await t.server.store.findIdentityIdByExternalId(t.workspaceId, 'never_made')).toBeUndefined();
    });
  });

  describe('412', () => {
    it('recoverable keys need a vault; nothing is created', async () => {
      const records = await auditCount(t);
      const keys = await keyCount();
      const res = await create({ apiId, recoverable: true });
      expect(res.status).toBe(412);
      expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/application/precondition_failed');
      expect(await auditCount(t)).toBe(records);
      expect(await keyCount()).toBe(keys);
    });
  });
});
