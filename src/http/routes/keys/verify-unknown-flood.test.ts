import http from 'node:http';
import { describe, expect, it, vi } from 'vitest';
import { generateKey } from '../../../core/key-format.js';
import { foreign, migrate, newMigration } from '../../../../test/migration-fixtures.js';
import { useTestServer } from '../../../../test/per-file-server.js';
import { until } from '../../../../test/poll.js';
import { postOverSocket } from '../../../../test/raw-http.js';

/**
 * A flood of well-formed unknown keys (issue 16; docs/decisions/0021-unknown-key-flood.md): once the workspace's filter
 * of key hashes is built, random keys that pass their checksum, or have none (base58), cost no store lookup each, and
 * each is answered byte for byte as an unknown key is; keys created, rerolled or imported afterwards verify at once.
 * Runs on either engine (KEYWARD_TEST_ENGINE).
 */
const t = useTestServer();

async function metric(name: string, result: string): Promise<number> {
  const text = (await t.server.app.inject({ method: 'GET', url: '/metrics' })).body;
  return Number(new RegExp(`${name}\\{result="${result}"\\} (\\d+)`).exec(text)?.[1]);
}
const notFoundLookups = () => metric('keyward_key_store_lookups_total', 'not_found');

/** A verification over a real socket, through the verify lane, as clients send it: its status and raw body. */
let agent: http.Agent | undefined;
async function verifyRaw(key: string): Promise<{ status: number; body: string }> {
  agent ??= new http.Agent({ keepAlive: true, maxSockets: 32 });
  return postOverSocket(agent, await t.listen(), '/v2/keys.verifyKey', t.rootKey, JSON.stringify({ key }));
}

/** The answer without its request id, which differs per request. */
const comparable = (body: string) => body.replace(/"requestId":"[^"]*"/, '"requestId":""');

const verifiedCode = async (key: string) => (await t.call('keys.verifyKey', { key })).body.data.code as string;

describe('a flood of unknown keys', () => {
  it('costs a bounded number of store lookups once the filter is built, and every answer is the unknown-key answer', async () => {
    const checksummedApi: string = (await t.call('apis.createApi', { name: 'flood checksummed' })).body.data.apiId;
    const base58Api: string = (await t.call('apis.createApi', { name: 'flood base58' })).body.data.apiId;
    await t.call('apiSettings.updateSettings', { apiId: base58Api, keyFormat: 'base58' });
    const real = [
      (await t.call('keys.createKey', { apiId: checksummedApi })).body.data.key as string,
      (await t.call('keys.createKey', { apiId: base58Api, prefix: 'sk' })).body.data.key as string,
    ];

    // The answer to match, from before any filter exists: one store lookup found nothing, and the miss starts the build.
    const before = await notFoundLookups();
    const expected = await verifyRaw(generateKey(16, null, 'checksummed').plaintext);
    expect(expected.status).toBe(200);
    expect(JSON.parse(expected.body).data).toEqual({ valid: false, code: 'NOT_FOUND' });
    expect(await notFoundLookups()).toBe(before + 1);
    await until(async () => (await metric('keyward_key_filter_builds_total', 'built')) >= 1, 'the filter is built');

    const baseline = await notFoundLookups();
    const unknownBefore = await metric('keyward_key_filter_checks_total', 'unknown');
    const total = 4_000;
    let next = 0;
    let mismatches = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        // Both formats, with and without a prefix: the checksummed ones carry a right checksum, as an attacker's would.
        const key = generateKey(16, i % 3 === 0 ? 'sk' : null, i % 2 === 0 ? 'checksummed' : 'base58').plaintext;
        const answer = await verifyRaw(key);
        if (answer.status !== expected.status || comparable(answer.body) !== comparable(expected.body)) mismatches++;
      }
    };
    await Promise.all(Array.from({ length: 32 }, worker));
    expect(mismatches).toBe(0);
    // Only the filter's false positives reach the store (0.1% expected; 1% is the bound a full filter keeps).
    expect((await notFoundLookups()) - baseline).toBeLessThanOrEqual(total / 100);
    expect((await metric('keyward_key_filter_checks_total', 'unknown')) - unknownBefore).toBeGreaterThanOrEqual(total * 0.99);

    // Keys that existed before the build still verify.
    for (const key of real) expect(await verifiedCode(key)).toBe('VALID');
  }, 300_000);

  it('keys created, rerolled and imported after the filter is built verify at once, on the very next request', async () => {
    const apiId: string = (await t.call('apis.createApi', { name: 'after the build' })).body.data.apiId;
    await verifyRaw(generateKey(16, null, 'checksummed').plaintext);
    await until(async () => (await metric('keyward_key_filter_builds_total', 'built')) >= 1, 'the filter is built');
    // The filter is in use: an unknown key is answered by it.
    const unknownBefore = await metric('keyward_key_filter_checks_total', 'unknown');
    expect(await verifiedCode(generateKey(16, null, 'base58').plaintext)).toBe('NOT_FOUND');
    expect(await metric('keyward_key_filter_checks_total', 'unknown')).toBe(unknownBefore + 1);

    const created = (await t.call('keys.createKey', { apiId })).body.data as { keyId: string; key: string };
    expect(await verifiedCode(created.key)).toBe('VALID');
    const rerolled = (await t.call('keys.rerollKey', { keyId: created.keyId, expiration: 60_000 })).body.data as { key: string };
    expect(await verifiedCode(rerolled.key)).toBe('VALID');
    const migrationId = await newMigration(t, 'sha256_base64');
    const imported = foreign('sha256_base64');
    expect((await migrate(t, { migrationId, apiId, keys: [{ hash: imported.hash }] })).migrated).toHaveLength(1);
    expect(await verifiedCode(imported.key)).toBe('VALID');
  }, 120_000);

  it('naming a real migration, unknown keys cost no lookup of their foreign hash each, and an imported key still verifies', async () => {
    const apiId: string = (await t.call('apis.createApi', { name: 'imports' })).body.data.apiId;
    const migrationId = await newMigration(t, 'sha256_hex');
    await verifyRaw(generateKey(16, null, 'checksummed').plaintext);
    await until(async () => (await metric('keyward_key_filter_builds_total', 'built')) >= 1, 'the filter is built');
    // Imported after the filter was built: its foreign hash reaches the filter through the change it logs.
    const imported = foreign('sha256_hex');
    expect((await migrate(t, { migrationId, apiId, keys: [{ hash: imported.hash }] })).migrated).toHaveLength(1);
    const pendingLookups = vi.spyOn(t.server.store, 'findPendingMigratedKey');
    try {
      const total = 500;
      for (let i = 0; i < total; i++) {
        expect((await t.call('keys.verifyKey', { key: foreign('sha256_hex').key, migrationId })).body.data.code).toBe('NOT_FOUND');
      }
      expect(pendingLookups.mock.calls.length).toBeLessThanOrEqual(total / 50);
      expect((await t.call('keys.verifyKey', { key: imported.key, migrationId })).body.data.code).toBe('VALID');
      expect(await verifiedCode(imported.key)).toBe('VALID');
    } finally {
      pendingLookups.mockRestore();
      agent?.destroy();
    }
  }, 120_000);
});
