import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';

const t = useTestServer();

const newApi = async () => (await t.call('apis.createApi', { name: 'defaults api' })).body.data.apiId as string;
const update = (body: Record<string, unknown>) => t.call('apiSettings.updateSettings', body);
const settings = async (apiId: string) => (await t.call('apiSettings.getSettings', { apiId })).body.data;
const createKey = async (body: Record<string, unknown>) => {
  const res = await t.call('keys.createKey', body);
  expect(res.status).toBe(200);
  return res.body.data.key as string;
};
/** A new API makes checksummed keys: `kw0`, ceil(8n / log2 62) base62 characters for n bytes, a 6-character checksum. */
const bodyOf = (key: string, prefix: string) => {
  expect(key.startsWith(`${prefix}_`)).toBe(true);
  return key.slice(prefix.length + 1);
};

describe('apiSettings: defaultPrefix and defaultByteLength', () => {
  it("keys.createKey without prefix/byteLength uses the API's defaults, as Unkey applies an API's default prefix and byte length", async () => {
    const apiId = await newApi();
    expect(await settings(apiId)).not.toHaveProperty('defaultPrefix');
    expect(await settings(apiId)).not.toHaveProperty('defaultByteLength');
    // Without defaults: no prefix, 16 bytes.
    const plain = await createKey({ apiId });
    expect(plain).not.toContain('_');
    expect(plain.length).toBe(3 + 22 + 6);

    const res = await update({ apiId, defaultPrefix: 'sk_live', defaultByteLength: 64 });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ defaultPrefix: 'sk_live', defaultByteLength: 64 });
    expect(await settings(apiId)).toMatchObject({ defaultPrefix: 'sk_live', defaultByteLength: 64 });

    const defaulted = await createKey({ apiId });
    expect(bodyOf(defaulted, 'sk_live').length).toBeGreaterThanOrEqual(85);
    const verified = await t.call('keys.verifyKey', { key: defaulted });
    expect(verified.body.data).toMatchObject({ valid: true });
    // What the request names wins.
    const own = await createKey({ apiId, prefix: 'own', byteLength: 16 });
    expect(bodyOf(own, 'own').length).toBe(3 + 22 + 6);

    // Audited as every settings change; null removes a default.
    const cleared = await update({ apiId, defaultPrefix: null });
    expect(cleared.body.data).not.toHaveProperty('defaultPrefix');
    expect(cleared.body.data).toMatchObject({ defaultByteLength: 64 });
    const records = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: apiId, events: ['api.update'], limit: 10 });
    expect(records.map((r) => r.description).sort()).toEqual([
      `Changed settings of API ${apiId}: defaultPrefix=null`,
      `Changed settings of API ${apiId}: defaultPrefix=sk_live, defaultByteLength=64`,
    ]);
    expect(bodyOf(await createKey({ apiId, prefix: 'p' }), 'p').length).toBeGreaterThanOrEqual(85);
  });

  it.each([
    [{ defaultPrefix: '' }],
    [{ defaultPrefix: 'has-dash' }],
    [{ defaultPrefix: 'a'.repeat(17) }],
    [{ defaultByteLength: 15 }],
    [{ defaultByteLength: 256 }],
    [{ defaultByteLength: 20.5 }],
  ])('refuses %j with 400 as keys.createKey refuses the same prefix/byteLength, changing nothing', async (bad) => {
    const apiId = await newApi();
    const res = await update({ apiId, ...bad });
    expect(res.status).toBe(400);
    expect(res.body.error.type).toMatch(/invalid_input$/);
    expect(await settings(apiId)).toEqual({
      apiId,
      name: 'defaults api',
      deleteProtection: false,
      storeEncryptedKeys: false,
      keyFormat: 'checksummed',
    });
  });
});
