import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';

/**
 * Turning on encrypted key storage on a server without a vault: refused at once with the reason, rather than accepted
 * and failing later at every keys.createKey with `recoverable: true`. (With a vault: test/recoverable-suite.ts.)
 */
const t = useTestServer();

const auditCount = async () => (await t.server.store.listAudit({ workspaceId: t.workspaceId, limit: 1000 })).length;

describe('apiSettings.updateSettings storeEncryptedKeys without a vault', () => {
  it('412 with the missing vault named; nothing changes, not even the other fields of the request', async () => {
    const apiId = (await t.call('apis.createApi', { name: 'no vault api' })).body.data.apiId as string;
    const records = await auditCount();
    const res = await t.call('apiSettings.updateSettings', { apiId, storeEncryptedKeys: true, deleteProtection: true });
    expect(res.status).toBe(412);
    expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/application/precondition_failed');
    expect(res.body.error.detail).toBe(
      'Recoverable keys need a vault: this server has no KEYWARD_MASTER_KEYS (or KEYWARD_VAULT_URL) configured.',
    );
    const settings = await t.call('apiSettings.getSettings', { apiId });
    expect(settings.body.data).toEqual({
      apiId,
      name: 'no vault api',
      deleteProtection: false,
      storeEncryptedKeys: false,
      keyFormat: 'checksummed',
    });
    expect(await auditCount()).toBe(records);
  });

  it('200 for turning it off, which needs no vault', async () => {
    const apiId = (await t.call('apis.createApi', { name: 'off api' })).body.data.apiId as string;
    const res = await t.call('apiSettings.updateSettings', { apiId, storeEncryptedKeys: false });
    expect(res.status).toBe(200);
    expect(res.body.data).toMatchObject({ storeEncryptedKeys: false });
  });

  it("404 for a missing API before anything about the vault, as for another workspace's", async () => {
    const res = await t.call('apiSettings.updateSettings', { apiId: 'api_missing123', storeEncryptedKeys: true });
    expect(res.status).toBe(404);
  });
});
