import { describe, expect, it } from 'vitest';
import { readAllPages } from '../../../../test/pagination.js';
import { useTestServer } from '../../../../test/per-file-server.js';
import { INSUFFICIENT, allRootKeys, newRootKey } from '../../../../test/root-key-fixtures.js';

const t = useTestServer();

const list = (body: Record<string, unknown>, rootKey: string) => t.call('rootKeys.listRootKeys', body, { rootKey });

describe('rootKeys.listRootKeys', () => {
  describe('200', () => {
    it('pages in creation order; a cursor only while there is a next page; every key once', async () => {
      const { rootKey } = await t.newWorkspace();
      const made = [];
      for (let i = 0; i < 4; i++) made.push((await newRootKey(t, [], { name: `k${i}`, by: rootKey })).rootKeyId);
      const { ids: seen, pages } = await readAllPages((body) => list(body, rootKey), 2);
      // The workspace's bootstrap key plus the four.
      expect(pages).toBe(3);
      expect(seen).toHaveLength(5);
      expect(seen).toEqual([...seen].sort());
      expect(seen.slice(1)).toEqual(made);
    });

    it("never a secret or a hash; optional fields omitted; revoked keys and other workspaces' keys left out", async () => {
      const { rootKey } = await t.newWorkspace();
      const expires = t.clock.now() + 3_600_000;
      const kept = await newRootKey(t, ['api.*.read_api'], { name: 'kept', expires, by: rootKey });
      const gone = await newRootKey(t, [], { name: 'gone', by: rootKey });
      expect((await t.call('rootKeys.revokeRootKey', { rootKeyId: gone.rootKeyId }, { rootKey })).status).toBe(200);
      await newRootKey(t, [], { name: 'elsewhere' });
      const res = await list({}, rootKey);
      const text = JSON.stringify(res.body);
      for (const secret of [rootKey, kept.key, gone.key]) expect(text).not.toContain(secret);
      const [bootstrap, item, ...rest] = res.body.data;
      expect(rest).toEqual([]);
      expect(Object.keys(bootstrap).sort()).toEqual(['createdAt', 'id', 'name', 'permissions', 'start']);
      expect(item).toEqual({
        id: kept.rootKeyId,
        name: 'kept',
        start: kept.key.slice(0, 12),
        permissions: ['api.*.read_api'],
        createdAt: t.clock.now(),
        expires,
        createdBy: bootstrap.id,
      });
      const stored = await t.server.store.findRootKey((await t.server.store.findRootKeyWorkspace(kept.rootKeyId))!, kept.rootKeyId);
      expect(text).not.toContain(stored!.hash);
    });

    it('lastUsedAt: the time of the latest accepted call a minute or more after the last one written (verify lane included), once the background job ran; refusals do not count', async () => {
      const { rootKey } = await t.newWorkspace();
      const expires = t.clock.now() + 120_000;
      const used = await newRootKey(t, ['api.*.verify_key', 'rootkey.*.read_root_key'], { name: 'used', expires, by: rootKey });
      const idle = await newRootKey(t, [], { name: 'idle', by: rootKey });
      const byId = async () => new Map((await allRootKeys(t, rootKey)).map((k) => [k.id, k]));
      const useIt = async () => {
        expect((await list({}, used.key)).status).toBe(200);
        // keys.verifyKey goes through the verify lane over a socket (test/harness.ts).
        const verified = await t.call('keys.verifyKey', { key: 'kw_not_a_key' }, { rootKey: used.key });
        expect(verified.body.data).toMatchObject({ valid: false, code: 'NOT_FOUND' });
      };

      await useIt();
      // Buffered until the job writes it: absent, as every unset optional field.
      expect((await byId()).get(used.rootKeyId)).not.toHaveProperty('lastUsedAt');
      const first = t.clock.now();
      await t.server.runJobs();
      let listed = await byId();
      expect(listed.get(used.rootKeyId)!.lastUsedAt).toBe(first);
      expect(listed.get(idle.rootKeyId)).not.toHaveProperty('lastUsedAt');
      const [bootstrap] = listed.values();
      expect(bootstrap.lastUsedAt).toBe(first);

      // A use within a minute of the last one written is not written again (services/usage-buffer.ts).
      t.clock.advance(30_000);
      await useIt();
      await t.server.runJobs();
      expect((await byId()).get(used.rootKeyId)!.lastUsedAt).toBe(first);
      t.clock.advance(30_000);
      await useIt();
      const second = t.clock.now();
      await t.server.runJobs();
      expect((await byId()).get(used.rootKeyId)!.lastUsedAt).toBe(second);

      // Expired: refused, and not counted.
      t.clock.advance(61_000);
      expect((await list({}, used.key)).status).toBe(403);
      await t.server.runJobs();
      listed = await byId();
      expect(listed.get(used.rootKeyId)!.lastUsedAt).toBe(second);
      expect(listed.get(idle.rootKeyId)).not.toHaveProperty('lastUsedAt');
    });
  });

  describe('400', () => {
    it('bad limit or cursor, unknown fields', async () => {
      for (const body of [{ limit: 0 }, { limit: 101 }, { limit: '5' }, { cursor: '' }, { cursor: 'a b' }, { extra: 1 }]) {
        const res = await list(body, t.rootKey);
        expect(res.status, JSON.stringify(body)).toBe(400);
      }
    });
  });

  describe('403', () => {
    it('without rootkey.*.read_root_key', async () => {
      const rootKey = await t.rootKeyWith(['rootkey.*.create_root_key', 'rootkey.*.update_root_key', 'rootkey.*.delete_root_key']);
      const res = await list({}, rootKey);
      expect(res.status).toBe(403);
      expect(res.body.error.type).toBe(INSUFFICIENT);
      expect((await allRootKeys(t)).length).toBeGreaterThan(1);
    });
  });
});
