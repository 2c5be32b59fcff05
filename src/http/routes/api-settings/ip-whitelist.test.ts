import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';

const t = useTestServer();

const newApi = async () => (await t.call('apis.createApi', { name: 'whitelist api' })).body.data.apiId as string;
const update = (apiId: string, ipWhitelist: unknown) => t.call('apiSettings.updateSettings', { apiId, ipWhitelist });
const settings = async (apiId: string) => (await t.call('apiSettings.getSettings', { apiId })).body.data;

describe('apiSettings: ipWhitelist', () => {
  it('is absent while unset, like every optional field', async () => {
    const apiId = await newApi();
    expect(await settings(apiId)).toEqual({
      apiId,
      name: 'whitelist api',
      deleteProtection: false,
      storeEncryptedKeys: false,
      keyFormat: 'checksummed',
    });
  });

  it('accepts IPv4 and IPv6 addresses and CIDR ranges, answers and reads them back, and audits the change', async () => {
    const apiId = await newApi();
    const list = ['10.0.0.0/8', '192.168.1.7', '2001:db8::/32', '::1', '::ffff:10.0.0.0/104', '0.0.0.0/0'];
    const res = await update(apiId, list);
    expect(res.status).toBe(200);
    expect(res.body.data).toEqual({
      apiId,
      name: 'whitelist api',
      deleteProtection: false,
      storeEncryptedKeys: false,
      keyFormat: 'checksummed',
      ipWhitelist: list,
    });
    expect(await settings(apiId)).toMatchObject({ ipWhitelist: list });

    const [record] = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: apiId, events: ['api.update'], limit: 10 });
    expect(record).toMatchObject({
      event: 'api.update',
      description: `Changed settings of API ${apiId}: ipWhitelist=${JSON.stringify(list)}`,
    });
    expect(record!.resources).toEqual([{ type: 'api', id: apiId, name: 'whitelist api' }]);

    // Another setting leaves it alone.
    expect((await t.call('apiSettings.updateSettings', { apiId, deleteProtection: true })).body.data).toMatchObject({
      ipWhitelist: list,
      deleteProtection: true,
    });
  });

  it('null removes it (audited too)', async () => {
    const apiId = await newApi();
    expect((await update(apiId, ['127.0.0.1'])).status).toBe(200);
    const res = await update(apiId, null);
    expect(res.status).toBe(200);
    expect(res.body.data).not.toHaveProperty('ipWhitelist');
    expect(await settings(apiId)).not.toHaveProperty('ipWhitelist');
    const records = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: apiId, events: ['api.update'], limit: 10 });
    expect(records.map((r) => r.description).sort()).toEqual([
      `Changed settings of API ${apiId}: ipWhitelist=["127.0.0.1"]`,
      `Changed settings of API ${apiId}: ipWhitelist=null`,
    ]);
  });

  it.each([
    ['not an address', ['10.0.0.1', 'example.com'], 1],
    ['a prefix too long for IPv4', ['10.0.0.0/33'], 0],
    ['a prefix too long for IPv6', ['::/129'], 0],
    ['a prefix that is not a number', ['10.0.0.0/8x'], 0],
    ['an empty prefix', ['10.0.0.0/'], 0],
    ['a negative prefix', ['10.0.0.0/-1'], 0],
    ['an empty string', [''], 0],
    ['a range of ranges', ['10.0.0.0/8/8'], 0],
    ['an address with spaces', [' 10.0.0.1'], 0],
  ])('refuses %s with 400 naming the entry, changing nothing', async (_name, list, bad) => {
    const apiId = await newApi();
    expect((await update(apiId, ['127.0.0.1'])).status).toBe(200);
    const res = await update(apiId, list);
    expect(res.status).toBe(400);
    expect(res.body.error.type).toMatch(/invalid_input$/);
    expect(res.body.error.detail).toContain(`ipWhitelist[${bad}]`);
    expect(res.body.error.detail).toContain(`'${list[bad]}'`);
    expect(res.body.error.errors).toEqual([expect.objectContaining({ location: `body.ipWhitelist[${bad}]` })]);
    expect(await settings(apiId)).toMatchObject({ ipWhitelist: ['127.0.0.1'] });
  });

  it('refuses an empty array (null removes), more than 100 entries, and non-strings, changing nothing', async () => {
    const apiId = await newApi();
    const empty = await update(apiId, []);
    expect(empty.status).toBe(400);
    expect(empty.body.error.detail).toContain('use null to remove');
    expect(
      (
        await update(
          apiId,
          Array.from({ length: 101 }, (_, i) => `10.0.0.${i}`),
        )
      ).status,
    ).toBe(400);
    expect(
      (
        await update(
          apiId,
          Array.from({ length: 100 }, (_, i) => `10.0.0.${i}`),
        )
      ).status,
    ).toBe(200);
    expect((await update(apiId, [5])).status).toBe(400);
    expect((await update(apiId, '10.0.0.0/8')).status).toBe(400);
    expect((await settings(apiId)).ipWhitelist).toHaveLength(100);
  });

  it('needs update_api to change and read_api to read, like the other settings', async () => {
    const apiId = await newApi();
    const reader = await t.rootKeyWith([`api.${apiId}.read_api`]);
    expect((await t.call('apiSettings.updateSettings', { apiId, ipWhitelist: ['10.0.0.0/8'] }, { rootKey: reader })).status).toBe(403);
    expect((await t.call('apiSettings.getSettings', { apiId }, { rootKey: reader })).status).toBe(200);
    expect(await settings(apiId)).not.toHaveProperty('ipWhitelist');
  });
});
