import { describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditEvents } from '../../../../test/key-fixtures.js';
import { namespaceName, newNamespace, setOverride } from '../../../../test/ratelimit-fixtures.js';

const t = useTestServer();

const del = caller(t, 'ratelimit.deleteOverride');

describe('ratelimit.deleteOverride', () => {
  describe('200', () => {
    it('deletes by the exact identifier, audited; limit stops applying it at once', async () => {
      const ns = await newNamespace(t);
      const id = await setOverride(t, { namespace: ns.name, identifier: 'user_1', limit: 9, duration: 60_000 });
      const res = await del({ namespace: ns.id, identifier: 'user_1' });
      expect(res.status).toBe(200);
      expect(res.body.data).toEqual({});
      expect((await auditEvents(t, id)).sort()).toEqual(['ratelimit_override.delete', 'ratelimit_override.set']);
      const limited = await t.call('ratelimit.limit', { namespace: ns.name, identifier: 'user_1', limit: 1, duration: 1000 });
      expect(limited.body.data).toMatchObject({ limit: 1 });
      expect(limited.body.data).not.toHaveProperty('overrideId');
      // Set again after a delete: a new override.
      expect(await setOverride(t, { namespace: ns.name, identifier: 'user_1', limit: 2, duration: 1000 })).not.toBe(id);
    });

    it('a pattern deletes only the pattern itself', async () => {
      const ns = await newNamespace(t);
      await setOverride(t, { namespace: ns.name, identifier: 'user_*', limit: 5, duration: 1000 });
      const own = await setOverride(t, { namespace: ns.name, identifier: 'user_1', limit: 6, duration: 1000 });
      expect((await del({ namespace: ns.name, identifier: 'user_*' })).status).toBe(200);
      const listed = await t.call('ratelimit.listOverrides', { namespace: ns.name });
      expect(listed.body.data.map((o: { overrideId: string }) => o.overrideId)).toEqual([own]);
    });
  });

  describe('400', () => {
    it('missing or oversized fields', async () => {
      for (const body of [{ namespace: 'n' }, { namespace: 'n', identifier: '' }, { namespace: 'n', identifier: 'u'.repeat(513) }]) {
        expect((await del(body)).status).toBe(400);
      }
    });
  });

  describe('403', () => {
    it("without ratelimit.*.delete_override or the namespace's own; nothing is deleted", async () => {
      const ns = await newNamespace(t);
      await setOverride(t, { namespace: ns.name, identifier: 'u', limit: 1, duration: 1000 });
      const res = await del(
        { namespace: ns.name, identifier: 'u' },
        await t.rootKeyWith(['ratelimit.*.set_override', 'ratelimit.*.read_override']),
      );
      expect(res.status).toBe(403);
      expect((await t.call('ratelimit.listOverrides', { namespace: ns.name })).body.data).toHaveLength(1);
      expect((await del({ namespace: ns.name, identifier: 'u' }, await t.rootKeyWith([`ratelimit.${ns.id}.delete_override`]))).status).toBe(
        200,
      );
    });
  });

  describe('404', () => {
    it('no override with exactly this identifier, even when a pattern would match it; nothing is deleted', async () => {
      const ns = await newNamespace(t);
      await setOverride(t, { namespace: ns.name, identifier: 'user_*', limit: 5, duration: 1000 });
      for (const identifier of ['user_1', 'user_']) {
        const res = await del({ namespace: ns.name, identifier });
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/ratelimit_override_not_found');
      }
      expect((await t.call('ratelimit.listOverrides', { namespace: ns.name })).body.data).toHaveLength(1);
    });

    it('an override already deleted, and a namespace that does not exist', async () => {
      const ns = await newNamespace(t);
      await setOverride(t, { namespace: ns.name, identifier: 'u', limit: 1, duration: 1000 });
      expect((await del({ namespace: ns.name, identifier: 'u' })).status).toBe(200);
      expect((await del({ namespace: ns.name, identifier: 'u' })).status).toBe(404);
      const missing = await del({ namespace: namespaceName(), identifier: 'u' });
      expect(missing.status).toBe(404);
      expect(missing.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/ratelimit_namespace_not_found');
    });
  });
});
