import { beforeAll, describe, expect, it } from 'vitest';
import { DASHBOARD_ROUTES } from '../../src/http/routes/dashboard/index.js';
import { ROUTES } from '../../src/http/routes/index.js';
import type { TestServer } from '../harness.js';
import { limit, newIdentity } from '../identity-fixtures.js';
import { auditCount, getKey, newApi, newKey } from '../key-fixtures.js';
import { useTestServer } from '../per-file-server.js';

/**
 * Issue 11, finding 4. JSON `1e309` parses to Infinity, which passed every integer field without a maximum; on
 * SQLite it was stored, and the key (verify, getKey, whoami), its whole API's listKeys and its workspace's
 * listIdentities then answered 500, while updateCredits and updateIdentity answered 500 after committing. `1e300`
 * and 2^63 were stored as REAL on SQLite and answered 500 on PostgreSQL. Now every integer is finite and within
 * its documented range (docs/errors.md, "Bounds"): anything else is a 400 that changes nothing,
 * on both engines. The bodies are raw text: JSON.stringify cannot write 1e309.
 */

const t = useTestServer();

/** Infinity, a finite double past int64, 2^63 (one past int64), 2^53 (one past the exact JSON integers). */
const HOSTILE = ['1e309', '-1e309', '1e300', '9223372036854775808', '9007199254740992'];
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

let apiId: string;
let keyId: string;
let key: string;
let identity: string;
let migrationId: string;

/** Everything a hostile call could have changed, read back through the API and the audit trail. */
async function snapshot(server: TestServer) {
  const ok = (res: { status: number; body: any }) => {
    expect(res.status, JSON.stringify(res.body.error)).toBe(200);
    return res.body.data;
  };
  return {
    audit: await auditCount(server),
    key: ok(await server.call('keys.getKey', { keyId })),
    identity: ok(await server.call('identities.getIdentity', { identity })),
    keys: ok(await server.call('apis.listKeys', { apiId })).map((k: { keyId: string }) => k.keyId),
    identities: ok(await server.call('identities.listIdentities', {})).map((i: { id: string }) => i.id),
  };
}

beforeAll(async () => {
  apiId = await newApi(t);
  ({ keyId, key } = await newKey(t, {
    apiId,
    externalId: 'numbers_owner',
    credits: { remaining: 100, refill: { interval: 'daily', amount: 100 } },
    ratelimits: [limit('requests', 1000, 60_000)],
  }));
  identity = (await newIdentity(t, { ratelimits: [limit('tokens')] })).identityId;
  migrationId = (await t.call('keyMigrations.createMigration', { algorithm: 'sha256_base64' })).body.data.migrationId;
});

/** Each integer field a request can carry, as raw JSON with # where the number goes. */
const FIELDS: Array<[string, string, () => string]> = [
  ['keys.createKey', 'credits.remaining', () => `{"apiId":"${apiId}","credits":{"remaining":#}}`],
  [
    'keys.createKey',
    'credits.refill.amount',
    () => `{"apiId":"${apiId}","credits":{"remaining":1,"refill":{"interval":"daily","amount":#}}}`,
  ],
  ['keys.createKey', 'ratelimits[].limit', () => `{"apiId":"${apiId}","ratelimits":[{"name":"rl1","limit":#,"duration":1000}]}`],
  ['keys.createKey', 'ratelimits[].duration', () => `{"apiId":"${apiId}","ratelimits":[{"name":"rl1","limit":1,"duration":#}]}`],
  ['keys.updateKey', 'credits.remaining', () => `{"keyId":"${keyId}","credits":{"remaining":#}}`],
  [
    'keys.updateKey',
    'credits.refill.amount',
    () => `{"keyId":"${keyId}","credits":{"remaining":1,"refill":{"interval":"daily","amount":#}}}`,
  ],
  ['keys.updateKey', 'ratelimits[].limit', () => `{"keyId":"${keyId}","ratelimits":[{"name":"requests","limit":#,"duration":1000}]}`],
  ['keys.updateKey', 'ratelimits[].duration', () => `{"keyId":"${keyId}","ratelimits":[{"name":"requests","limit":1,"duration":#}]}`],
  ['keys.updateCredits', 'value (set)', () => `{"keyId":"${keyId}","operation":"set","value":#}`],
  ['keys.updateCredits', 'value (increment)', () => `{"keyId":"${keyId}","operation":"increment","value":#}`],
  [
    'keys.migrateKeys',
    'keys[].credits.remaining',
    () => `{"migrationId":"${migrationId}","apiId":"${apiId}","keys":[{"hash":"h${Date.now()}","credits":{"remaining":#}}]}`,
  ],
  // Issue 13, item 7: upstream's int64 counts; Keyward's range is 0 (or 1) to 2^53 - 1 on every one of them.
  [
    'keys.migrateKeys',
    'keys[].credits.refill.amount',
    () =>
      `{"migrationId":"${migrationId}","apiId":"${apiId}","keys":[{"hash":"h${Date.now()}","credits":{"remaining":1,"refill":{"interval":"daily","amount":#}}}]}`,
  ],
  [
    'keys.migrateKeys',
    'keys[].ratelimits[].limit',
    () =>
      `{"migrationId":"${migrationId}","apiId":"${apiId}","keys":[{"hash":"h${Date.now()}","ratelimits":[{"name":"rl1","limit":#,"duration":1000}]}]}`,
  ],
  ['ratelimit.setOverride', 'limit', () => `{"namespace":"numbers","identifier":"u","limit":#,"duration":1000}`],
  ['ratelimit.multiLimit', '[].limit', () => `[{"namespace":"numbers","identifier":"u","limit":#,"duration":1000}]`],
  ['ratelimit.multiLimit', '[].cost', () => `[{"namespace":"numbers","identifier":"u","limit":1,"duration":1000,"cost":#}]`],
  [
    'identities.createIdentity',
    'ratelimits[].limit',
    () => `{"externalId":"n_${Date.now()}","ratelimits":[{"name":"rl1","limit":#,"duration":1000}]}`,
  ],
  [
    'identities.createIdentity',
    'ratelimits[].duration',
    () => `{"externalId":"n_${Date.now()}","ratelimits":[{"name":"rl1","limit":1,"duration":#}]}`,
  ],
  [
    'identities.updateIdentity',
    'ratelimits[].limit',
    () => `{"identity":"${identity}","ratelimits":[{"name":"tokens","limit":#,"duration":1000}]}`,
  ],
  [
    'identities.updateIdentity',
    'ratelimits[].duration',
    () => `{"identity":"${identity}","ratelimits":[{"name":"tokens","limit":1,"duration":#}]}`,
  ],
  ['keys.verifyKey', 'credits.cost', () => `{"key":"${key}","credits":{"cost":#}}`],
  ['keys.verifyKey', 'ratelimits[].cost', () => `{"key":"${key}","ratelimits":[{"name":"requests","cost":#}]}`],
  ['keys.verifyKey', 'ratelimits[].limit (ad hoc)', () => `{"key":"${key}","ratelimits":[{"name":"adhoc","limit":#,"duration":1000}]}`],
  ['keys.verifyKey', 'ratelimits[].duration (ad hoc)', () => `{"key":"${key}","ratelimits":[{"name":"adhoc","limit":1,"duration":#}]}`],
  ['ratelimit.limit', 'limit', () => `{"namespace":"numbers","identifier":"u","limit":#,"duration":1000}`],
  ['ratelimit.limit', 'cost', () => `{"namespace":"numbers","identifier":"u","limit":1,"duration":1000,"cost":#}`],
];

describe('hostile numbers: Infinity, past int64, past 2^53 - 1', () => {
  describe('400 with the error envelope, and nothing changed', () => {
    for (const [operation, field, template] of FIELDS) {
      it(`${operation} ${field}`, async () => {
        const before = await snapshot(t);
        for (const number of HOSTILE) {
          const res = await t.call(operation, template().replace('#', number));
          expect(res.status, `${number}: ${JSON.stringify(res.body)}`).toBe(400);
          expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/application/invalid_input');
          expect(res.body.error.errors.length, number).toBeGreaterThan(0);
        }
        expect(await snapshot(t)).toEqual(before);
      });
    }
  });

  it('Infinity inside meta, which no schema types, is refused too (it would have been stored as null)', async () => {
    const before = await snapshot(t);
    for (const body of [`{"keyId":"${keyId}","meta":{"n":1e309}}`, `{"keyId":"${keyId}","meta":{"list":[1,-1e309]}}`]) {
      const res = await t.call('keys.updateKey', body);
      expect(res.status).toBe(400);
      expect(res.body.error.errors).toEqual([expect.objectContaining({ message: expect.stringContaining('finite') })]);
    }
    const identityBody = `{"identity":"${identity}","meta":{"n":1e309}}`;
    expect((await t.call('identities.updateIdentity', identityBody)).status).toBe(400);
    expect(await snapshot(t)).toEqual(before);
  });

  describe('the largest accepted values are stored and read back exactly', () => {
    it('credits, refill amount and rate-limit limit up to 2^53 - 1, durations up to 365 days', async () => {
      const year = 365 * 86_400_000;
      const created = await newKey(t, {
        apiId,
        credits: { remaining: MAX_SAFE, refill: { interval: 'daily', amount: MAX_SAFE } },
        ratelimits: [{ name: 'huge', limit: MAX_SAFE, duration: year }],
      });
      const data = await getKey(t, created.keyId);
      expect(data.credits).toEqual({ remaining: MAX_SAFE, refill: { interval: 'daily', amount: MAX_SAFE } });
      expect(data.ratelimits).toEqual([expect.objectContaining({ limit: MAX_SAFE, duration: year })]);
      const verified = await t.call('keys.verifyKey', { key: created.key, ratelimits: [{ name: 'huge' }] });
      expect(verified.body.data).toMatchObject({ valid: true, credits: MAX_SAFE - 1 });
      const adHoc = await t.call('keys.verifyKey', { key: created.key, ratelimits: [{ name: 'adhoc', limit: MAX_SAFE, duration: year }] });
      expect(adHoc.body.data).toMatchObject({ valid: true });
      // One past the maximum duration is refused like the others.
      const tooLong = await t.call('keys.updateKey', {
        keyId: created.keyId,
        ratelimits: [{ name: 'huge', limit: 1, duration: year + 1 }],
      });
      expect(tooLong.status).toBe(400);
    });

    it('an increment that would pass 2^53 - 1 is a 400 and changes nothing; up to it is fine', async () => {
      const created = await newKey(t, { apiId, credits: { remaining: MAX_SAFE - 5 } });
      const audits = await auditCount(t);
      const over = await t.call('keys.updateCredits', { keyId: created.keyId, operation: 'increment', value: 6 });
      expect(over.status).toBe(400);
      expect(over.body.error.type).toBe('https://unkey.com/docs/errors/unkey/application/invalid_input');
      expect((await getKey(t, created.keyId)).credits.remaining).toBe(MAX_SAFE - 5);
      expect(await auditCount(t)).toBe(audits);
      const upTo = await t.call('keys.updateCredits', { keyId: created.keyId, operation: 'increment', value: 5 });
      expect(upTo.body.data).toEqual({ remaining: MAX_SAFE });
      expect((await getKey(t, created.keyId)).credits.remaining).toBe(MAX_SAFE);
    });
  });

  it('every integer of every operation has a minimum and a maximum, both exact in JSON', () => {
    const unbounded: string[] = [];
    let integers = 0;
    const walk = (schema: any, at: string) => {
      if (schema === null || typeof schema !== 'object') return;
      if (schema.type === 'integer') {
        integers++;
        const { minimum, maximum } = schema;
        if (!Number.isSafeInteger(minimum) || !Number.isSafeInteger(maximum)) unbounded.push(at);
      }
      for (const [name, sub] of Object.entries(schema.properties ?? {})) walk(sub, `${at}.${name}`);
      if (schema.items) walk(schema.items, `${at}[]`);
      for (const sub of schema.anyOf ?? []) walk(sub, at);
    };
    // dashboard.* too: registered apart from ROUTES (http/dashboard.ts), parsed by the same server.
    for (const route of [...ROUTES, ...DASHBOARD_ROUTES]) walk(route.body, route.operation);
    expect(unbounded).toEqual([]);
    expect(integers).toBeGreaterThan(30);
  });

  it('afterwards the key, its API and its workspace still answer', async () => {
    expect((await t.call('keys.verifyKey', { key })).body.data).toMatchObject({ valid: true, code: 'VALID' });
    expect((await t.call('keys.whoami', { key })).status).toBe(200);
    expect((await t.call('apis.listKeys', { apiId })).status).toBe(200);
    expect((await t.call('identities.listIdentities', {})).status).toBe(200);
  });
});
