import { describe, expect, it } from 'vitest';
import { useTestServer } from '../../../../test/per-file-server.js';
import { auditCount } from '../../../../test/key-fixtures.js';
import { INSUFFICIENT, ROOT_KEY_NOT_FOUND, allRootKeys, newRootKey } from '../../../../test/root-key-fixtures.js';

const t = useTestServer();

const reroll = (body: unknown, rootKey = t.rootKey) => t.call('rootKeys.rerollRootKey', body, { rootKey });
const createApi = (rootKey: string) => t.call('apis.createApi', { name: 'probe' }, { rootKey });
const KEY_NOT_FOUND = 'https://unkey.com/docs/errors/unkey/authentication/key_not_found';
const REROLL = ['rootkey.*.create_root_key', 'rootkey.*.delete_root_key'];

describe('rootKeys.rerollRootKey', () => {
  describe('200', () => {
    it('a new secret with the same name, permissions and expiry; the old one works until exactly the grace period ends, then answers like an unknown key; both audited', async () => {
      const expires = t.clock.now() + 3_600_000;
      const old = await newRootKey(t, ['api.*.create_api'], { name: 'deploy', expires });
      // Cached before the reroll: the cache must not keep it alive past its grace.
      expect((await createApi(old.key)).status).toBe(200);
      const res = await reroll({ rootKeyId: old.rootKeyId, expiration: 60_000 });
      expect(res.status).toBe(200);
      const { rootKeyId, key } = res.body.data;
      expect(rootKeyId).not.toBe(old.rootKeyId);
      expect(key).toMatch(/^kw_root_[1-9A-HJ-NP-Za-km-z]+$/);
      expect(key).not.toBe(old.key);
      const rerolledAt = t.clock.now();
      expect(res.body.data.oldKeyRetiresAt).toBe(rerolledAt + 60_000);

      const listed = new Map((await allRootKeys(t)).map((k) => [k.id, k]));
      expect(listed.get(rootKeyId)).toMatchObject({ name: 'deploy', permissions: ['api.*.create_api'], expires });
      expect(listed.get(old.rootKeyId)).toMatchObject({ retiresAt: rerolledAt + 60_000 });
      expect(listed.get(rootKeyId)).not.toHaveProperty('retiresAt');

      expect((await createApi(key)).status).toBe(200);
      t.clock.advance(59_999);
      expect((await createApi(old.key)).status).toBe(200);
      t.clock.advance(1);
      const refused = await createApi(old.key);
      expect(refused.status).toBe(401);
      expect(refused.body.error.type).toBe(KEY_NOT_FOUND);
      expect((await createApi(key)).status).toBe(200);
      // Gone from the listing and from management, as a revoked key is.
      expect((await allRootKeys(t)).map((k) => k.id)).not.toContain(old.rootKeyId);
      expect((await t.call('rootKeys.revokeRootKey', { rootKeyId: old.rootKeyId })).status).toBe(404);

      for (const id of [old.rootKeyId, rootKeyId]) {
        const records = await t.server.store.listAudit({ workspaceId: t.workspaceId, resourceId: id, limit: 10 });
        expect(records.map((r) => r.event)).toContain('rootKey.reroll');
      }
      const text = JSON.stringify(await t.server.store.listAudit({ workspaceId: t.workspaceId, limit: 10_000 }));
      expect(text).not.toContain(key);
      expect(text).not.toContain(old.key);
    });

    it('expiration 0: the old key, already cached, is refused from the very next request', async () => {
      const old = await newRootKey(t, ['api.*.create_api']);
      expect((await createApi(old.key)).status).toBe(200);
      const res = await reroll({ rootKeyId: old.rootKeyId, expiration: 0 });
      expect(res.status).toBe(200);
      expect((await createApi(old.key)).status).toBe(401);
      expect((await createApi(res.body.data.key)).status).toBe(200);
    });

    it('a root key may reroll itself when it holds what it holds; the environment is kept, in the label and the prefix', async () => {
      const created = await t.call('rootKeys.createRootKey', {
        name: 'ci',
        permissions: [...REROLL, 'api.*.read_api'],
        environment: 'prod',
      });
      const self = created.body.data as { rootKeyId: string; key: string };
      expect(self.key).toMatch(/^kw_root_prod_/);
      const res = await reroll({ rootKeyId: self.rootKeyId, expiration: 1000 }, self.key);
      expect(res.status).toBe(200);
      expect(res.body.data.key).toMatch(/^kw_root_prod_[1-9A-HJ-NP-Za-km-z]+$/);
      const listed = (await allRootKeys(t)).find((k) => k.id === res.body.data.rootKeyId);
      expect(listed).toMatchObject({ environment: 'prod', start: res.body.data.key.slice(0, 'kw_root_prod_'.length + 4) });
    });
  });

  describe('400', () => {
    it('schema problems: missing fields, a negative or too long grace period, unknown fields; nothing changes', async () => {
      const { rootKeyId } = await newRootKey(t, []);
      const records = await auditCount(t);
      for (const body of [
        {},
        { rootKeyId },
        { expiration: 0 },
        { rootKeyId, expiration: -1 },
        { rootKeyId, expiration: 1.5 },
        { rootKeyId, expiration: 30 * 86_400_000 + 1 },
        { rootKeyId, expiration: 0, extra: true },
      ]) {
        expect((await reroll(body)).status, JSON.stringify(body)).toBe(400);
      }
      expect(await auditCount(t)).toBe(records);
    });
  });

  describe('403', () => {
    it('without both create_root_key and delete_root_key; the key keeps working', async () => {
      const target = await newRootKey(t, ['api.*.create_api']);
      for (const held of [
        ['rootkey.*.create_root_key', 'api.*.create_api'],
        ['rootkey.*.delete_root_key', 'api.*.create_api'],
      ]) {
        const res = await reroll({ rootKeyId: target.rootKeyId, expiration: 0 }, await t.rootKeyWith(held));
        expect(res.status).toBe(403);
        expect(res.body.error.type).toBe(INSUFFICIENT);
      }
      expect((await createApi(target.key)).status).toBe(200);
    });

    it('no escalation: the caller must hold every permission of the key it rerolls; nothing changes', async () => {
      const target = await newRootKey(t, ['api.*.create_api', 'api.*.delete_api']);
      const caller = await t.rootKeyWith([...REROLL, 'api.*.create_api']);
      const records = await auditCount(t);
      const res = await reroll({ rootKeyId: target.rootKeyId, expiration: 0 }, caller);
      expect(res.status).toBe(403);
      expect(res.body.error.detail).toContain("'api.*.delete_api'");
      expect(await auditCount(t)).toBe(records);
      expect((await createApi(target.key)).status).toBe(200);
    });

    it('an expiring caller cannot reroll a key into one that outlives it', async () => {
      const target = await newRootKey(t, []);
      const { key: caller } = await newRootKey(t, REROLL, { expires: t.clock.now() + 60_000 });
      const res = await reroll({ rootKeyId: target.rootKeyId, expiration: 0 }, caller);
      expect(res.status).toBe(403);
      expect(res.body.error.detail).toContain('expires');
    });
  });

  describe('404', () => {
    it("a missing, revoked or other workspace's root key, with the same answer; the other workspace's key keeps working", async () => {
      const revoked = await newRootKey(t, []);
      await t.call('rootKeys.revokeRootKey', { rootKeyId: revoked.rootKeyId });
      const other = await t.newWorkspace();
      const foreign = await newRootKey(t, ['api.*.create_api'], { by: other.rootKey });
      const records = await auditCount(t, other.workspaceId);
      for (const rootKeyId of ['rk_doesnotexist', revoked.rootKeyId, foreign.rootKeyId]) {
        const res = await reroll({ rootKeyId, expiration: 0 });
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe(ROOT_KEY_NOT_FOUND);
      }
      expect(await auditCount(t, other.workspaceId)).toBe(records);
      expect((await createApi(foreign.key)).status).toBe(200);
    });
  });

  describe('412', () => {
    it('a key already rerolled and still in its grace period: reroll its successor instead', async () => {
      const old = await newRootKey(t, []);
      expect((await reroll({ rootKeyId: old.rootKeyId, expiration: 60_000 })).status).toBe(200);
      const again = await reroll({ rootKeyId: old.rootKeyId, expiration: 0 });
      expect(again.status).toBe(412);
      expect(again.body.error.detail).toContain('already rerolled');
    });
  });
});
