import http from 'node:http';
import { describe, expect, it } from 'vitest';
import { checksumOf } from '../../../core/checksummed-key.js';
import { generateKey } from '../../../core/key-format.js';
import { useTestServer } from '../../../../test/per-file-server.js';
import { postOverSocket } from '../../../../test/raw-http.js';

/**
 * Checksummed keys (docs/decisions/0017-checksummed-key-format.md): new APIs make them, older ones keep base58, both
 * verify, and a key of the checksummed shape whose checksum is wrong is answered as an unknown key without a store
 * lookup, counted by keyward_key_store_lookups_total.
 */
const t = useTestServer();

/** The pattern README gives secret scanners. */
const SCANNER_PATTERN = /^(?:[A-Za-z0-9_]{1,16}_)?kw0[0-9A-Za-z]{28,349}$/;

async function storeLookups(): Promise<{ found: number; notFound: number }> {
  const text = (await t.server.app.inject({ method: 'GET', url: '/metrics' })).body;
  const read = (result: string) => Number(new RegExp(`keyward_key_store_lookups_total\\{result="${result}"\\} (\\d+)`).exec(text)?.[1]);
  return { found: read('found'), notFound: read('not_found') };
}

/** One character of the body changed: the shape stays, the checksum no longer matches. */
function typo(key: string, at: number): string {
  const i = key.length - 7 - (at % 20);
  const c = key[i] === 'A' ? 'B' : 'A';
  return key.slice(0, i) + c + key.slice(i + 1);
}

/** The answer without its request id, which differs per request. */
const comparable = (body: string) => body.replace(/"requestId":"[^"]*"/, '"requestId":""');

describe('keyFormat checksummed (the default for new APIs)', () => {
  it('a new API says so, and its created and rerolled keys have the checksummed shape and verify', async () => {
    const apiId = (await t.call('apis.createApi', { name: 'checksummed api' })).body.data.apiId;
    expect((await t.call('apiSettings.getSettings', { apiId })).body.data.keyFormat).toBe('checksummed');
    const created = await t.call('keys.createKey', { apiId, prefix: 'sk_live' });
    const key: string = created.body.data.key;
    expect(key).toMatch(SCANNER_PATTERN);
    expect(key.startsWith('sk_live_kw0')).toBe(true);
    const body = key.slice('sk_live_kw0'.length, -6);
    expect(key.slice(-6)).toBe(checksumOf(body));
    expect((await t.call('keys.getKey', { keyId: created.body.data.keyId })).body.data.start).toBe(`sk_live_kw0${body.slice(0, 4)}`);
    expect((await t.call('keys.verifyKey', { key })).body.data).toMatchObject({ valid: true, code: 'VALID' });
    const rerolled = await t.call('keys.rerollKey', { keyId: created.body.data.keyId, expiration: 0 });
    expect(rerolled.body.data.key).toMatch(/^sk_live_kw0[0-9A-Za-z]{28}$/);
    expect((await t.call('keys.verifyKey', { key: rerolled.body.data.key })).body.data.code).toBe('VALID');
  }, 120_000);

  it('100,000 keys with a wrong checksum cause no store lookup and are each answered exactly as an unknown key', async () => {
    const apiId = (await t.call('apis.createApi', { name: 'typos' })).body.data.apiId;
    const real: string = (await t.call('keys.createKey', { apiId })).body.data.key;
    const url = await t.listen();
    const agent = new http.Agent({ keepAlive: true, maxSockets: 32 });
    const verify = (key: string) => postOverSocket(agent, url, '/v2/keys.verifyKey', t.rootKey, JSON.stringify({ key }));
    try {
      // An unknown key of the same shape with a right checksum: the answer to match, found missing by one lookup.
      const unknown = generateKey(16, null, 'checksummed').plaintext;
      const before = await storeLookups();
      const expected = await verify(unknown);
      expect(expected.status).toBe(200);
      expect(JSON.parse(expected.body).data).toEqual({ valid: false, code: 'NOT_FOUND' });
      expect(await storeLookups()).toEqual({ found: before.found, notFound: before.notFound + 1 });

      const baseline = await storeLookups();
      const total = 100_000;
      let next = 0;
      let mismatches = 0;
      const worker = async () => {
        while (next < total) {
          const i = next++;
          // Half are typos of a real key, half of random keys: neither is looked up.
          const bad = typo(i % 2 === 0 ? real : generateKey(16, i % 3 === 0 ? 'sk' : null, 'checksummed').plaintext, i);
          const answer = await verify(bad);
          if (answer.status !== expected.status || comparable(answer.body) !== comparable(expected.body)) mismatches++;
        }
      };
      await Promise.all(Array.from({ length: 32 }, worker));
      expect(mismatches).toBe(0);
      expect(await storeLookups()).toEqual(baseline);
      // The real key still verifies (one found lookup: the typos never put anything in the cache).
      expect((await t.call('keys.verifyKey', { key: real })).body.data.code).toBe('VALID');
    } finally {
      agent.destroy();
    }
  }, 600_000);
});

describe('keyFormat base58 (APIs that existed before, or set so)', () => {
  it('makes base58 keys once set, and keys of either format keep verifying, a base58 key with a kw0 prefix included', async () => {
    const apiId = (await t.call('apis.createApi', { name: 'base58 api' })).body.data.apiId;
    const checksummed: string = (await t.call('keys.createKey', { apiId })).body.data.key;
    const updated = await t.call('apiSettings.updateSettings', { apiId, keyFormat: 'base58' });
    expect(updated.status).toBe(200);
    expect(updated.body.data.keyFormat).toBe('base58');
    const plain: string = (await t.call('keys.createKey', { apiId, prefix: 'sk' })).body.data.key;
    expect(plain).toMatch(/^sk_[1-9A-HJ-NP-Za-km-z]{20,23}$/);
    const marked: string = (await t.call('keys.createKey', { apiId, prefix: 'kw0', byteLength: 32 })).body.data.key;
    expect(marked).toMatch(/^kw0_[1-9A-HJ-NP-Za-km-z]+$/);
    for (const key of [checksummed, plain, marked]) expect((await t.call('keys.verifyKey', { key })).body.data.code, key).toBe('VALID');
    const audit = await t.call('audit.listLogs', { order: 'desc', limit: 10 });
    expect(audit.body.data.map((r: { description: string }) => r.description)).toContain(
      `Changed settings of API ${apiId}: keyFormat=base58`,
    );
  }, 120_000);

  it('refuses an unknown format with 400 and changes nothing', async () => {
    const apiId = (await t.call('apis.createApi', { name: 'bad format' })).body.data.apiId;
    const res = await t.call('apiSettings.updateSettings', { apiId, keyFormat: 'hex' });
    expect(res.status).toBe(400);
    expect((await t.call('apiSettings.getSettings', { apiId })).body.data.keyFormat).toBe('checksummed');
  });
});
