import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type EngineName, type TestServer } from './harness.js';
import { newApi, newKey } from './key-fixtures.js';
import { runSql } from './raw-sql.js';

/**
 * A disabled root key, and any root key of a disabled workspace, is refused at both entrances: the Fastify routes
 * and the verify lane. No operation disables either (only the database does), so the flags are set in SQL, on root
 * keys that were never used and so are not cached yet. Each refusal is paired with an identical root key left
 * enabled, which is accepted: the answer changes because of the flag and nothing else.
 */
for (const engine of ['sqlite', 'postgres'] as EngineName[]) {
  describe(`authentication refuses disabled root keys and workspaces (${engine})`, () => {
    let t: TestServer;
    let apiId: string;
    let key: string;

    beforeAll(async () => {
      t = await startTestServer({ engine });
      apiId = await newApi(t);
      key = (await newKey(t, { apiId })).key;
    });
    afterAll(async () => {
      await t.close();
    });

    /** A fresh root key of the bootstrap workspace holding what both probes need. */
    const freshRootKey = async (name: string): Promise<{ rootKeyId: string; key: string }> => {
      const res = await t.call('rootKeys.createRootKey', { name, permissions: ['api.*.read_api', 'api.*.verify_key'] });
      expect(res.status).toBe(200);
      return res.body.data;
    };
    /** An admin operation (Fastify) and a verification (the verify lane, over a socket) with `rootKey`. */
    const probe = async (rootKey: string) => ({
      admin: await t.call('apis.getApi', { apiId }, { rootKey }),
      verify: await t.call('keys.verifyKey', { key }, { rootKey }),
    });

    it('403 key_disabled for a disabled root key, on both entrances; the same root key enabled is accepted', async () => {
      const enabled = await freshRootKey('enabled twin');
      const disabled = await freshRootKey('disabled');
      await runSql(t.databaseUrl, 'UPDATE root_keys SET enabled = 0 WHERE id = ?', [disabled.rootKeyId]);

      const accepted = await probe(enabled.key);
      expect(accepted.admin.status).toBe(200);
      expect(accepted.verify.status).toBe(200);
      expect(accepted.verify.body.data).toMatchObject({ valid: true, code: 'VALID' });

      const refused = await probe(disabled.key);
      for (const res of [refused.admin, refused.verify]) {
        expect(res.status).toBe(403);
        expect(res.body.error.type).toMatch(/authorization\/key_disabled$/);
      }
    });

    it('403 workspace_disabled for a root key of a disabled workspace, on both entrances; an enabled workspace is accepted', async () => {
      const enabled = await t.newWorkspace();
      const disabled = await t.newWorkspace();
      await runSql(t.databaseUrl, 'UPDATE workspaces SET enabled = 0 WHERE id = ?', [disabled.workspaceId]);

      for (const [workspace, expected] of [
        [enabled, 200],
        [disabled, 403],
      ] as const) {
        const admin = await t.call('apis.createApi', { name: 'probe' }, { rootKey: workspace.rootKey });
        // The verification asks about a key of the bootstrap workspace: an accepted root key gets a 200 NOT_FOUND.
        const verify = await t.call('keys.verifyKey', { key }, { rootKey: workspace.rootKey });
        for (const res of [admin, verify]) {
          expect(res.status).toBe(expected);
          if (expected === 403) expect(res.body.error.type).toMatch(/authorization\/workspace_disabled$/);
        }
        if (expected === 200) expect(verify.body.data).toEqual({ valid: false, code: 'NOT_FOUND' });
      }
    });
  });
}
