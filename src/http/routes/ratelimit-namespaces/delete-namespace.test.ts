import { describe, expect, it } from 'vitest';
import { caller, useTestServer } from '../../../../test/per-file-server.js';
import { auditEvents } from '../../../../test/key-fixtures.js';
import { namespaceName, newNamespace, setOverride } from '../../../../test/ratelimit-fixtures.js';

const t = useTestServer();

const del = caller(t, 'ratelimitNamespaces.deleteNamespace');

describe('ratelimitNamespaces.deleteNamespace', () => {
  describe('200', () => {
    it('soft-deletes (by name or id), audited: limit answers 410, the override endpoints 404', async () => {
      for (const by of ['name', 'id'] as const) {
        const ns = await newNamespace(t);
        await setOverride(t, { namespace: ns.name, identifier: 'u', limit: 1, duration: 1000 });
        const res = await del({ namespace: ns[by] });
        expect(res.status).toBe(200);
        expect(res.body.data).toEqual({});
        expect(await auditEvents(t, ns.id)).toContain('ratelimit_namespace.delete');
        expect((await t.call('ratelimit.limit', { namespace: ns.name, identifier: 'u', limit: 1, duration: 1000 })).status).toBe(410);
        expect((await t.call('ratelimit.getOverride', { namespace: ns.name, identifier: 'u' })).status).toBe(404);
        expect((await t.call('ratelimit.listOverrides', { namespace: ns.id })).status).toBe(404);
      }
    });
  });

  describe('400', () => {
    it('a missing or empty namespace', async () => {
      for (const body of [{}, { namespace: '' }]) expect((await del(body)).status).toBe(400);
    });
  });

  describe('403', () => {
    it("without ratelimit.*.delete_namespace or the namespace's own; nothing is deleted", async () => {
      const ns = await newNamespace(t);
      expect((await del({ namespace: ns.id }, await t.rootKeyWith(['ratelimit.*.update_namespace']))).status).toBe(403);
      expect((await t.server.store.findRatelimitNamespace(t.workspaceId, ns.id))!.deletedAt).toBeNull();
      expect((await del({ namespace: ns.id }, await t.rootKeyWith([`ratelimit.${ns.id}.delete_namespace`]))).status).toBe(200);
    });
  });

  describe('404', () => {
    it('a namespace that does not exist or is already deleted', async () => {
      const ns = await newNamespace(t);
      expect((await del({ namespace: ns.id })).status).toBe(200);
      for (const namespace of [ns.id, ns.name, namespaceName()]) {
        const res = await del({ namespace });
        expect(res.status).toBe(404);
        expect(res.body.error.type).toBe('https://unkey.com/docs/errors/unkey/data/ratelimit_namespace_not_found');
      }
    });
  });
});
